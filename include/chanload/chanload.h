// Umbrella header: everything a user of chanload may include.
#pragma once

#include <chanload/environment.h>
#include <chanload/errors.h>
#include <chanload/value.h>
#include <chanload/version.h>
