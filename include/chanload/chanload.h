// Umbrella header: everything a user of chanload may include.
#pragma once

#include <chanload/batch.h>
#include <chanload/dtype.h>
#include <chanload/environment.h>
#include <chanload/errors.h>
#include <chanload/loader.h>
#include <chanload/loader_options.h>
#include <chanload/loader_stats.h>
#include <chanload/value.h>
#include <chanload/version.h>
