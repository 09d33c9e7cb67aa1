#include <chanload/errors.h>
#include <chanload/loader_option_table.h>

#include <array>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <limits>
#include <vector>

namespace chanload {
namespace {

// What a setter writes to: the options, and the two that are reconciled only in build().
struct Target {
  LoaderOptions& options;
  std::optional<LastBatch>& last_batch;
  bool& drop_last;
};

// A value already of the option's kind: bool (kFlag), std::uint64_t (kCount), double (kSeconds),
// std::string (the rest).
using Setter = void (*)(Target&, const LoaderOptionValue&);
using Getter = std::string (*)(const LoaderOptions&);

struct Entry {
  LoaderOptionSpec spec;
  Setter set;
  Getter get;
};

[[noreturn]] void refuse(std::string_view name, const std::string& why) {
  throw ConfigError("loader option " + std::string(name) + ": " + why);
}

std::string text_of(bool value) { return value ? "true" : "false"; }
std::string text_of(std::uint64_t value) { return std::to_string(value); }
template <typename T>
std::string text_of(const std::optional<T>& value) {
  return value ? text_of(static_cast<std::uint64_t>(*value)) : std::string();
}

bool flag(const LoaderOptionValue& v) { return std::get<bool>(v); }
std::uint64_t count(const LoaderOptionValue& v) { return std::get<std::uint64_t>(v); }
const std::string& text(const LoaderOptionValue& v) { return std::get<std::string>(v); }

char character(std::string_view name, const LoaderOptionValue& v) {
  const std::string& value = text(v);
  if (value.size() != 1) refuse(name, "one character, not \"" + value + "\"");
  return value[0];
}

void check_choice(const LoaderOptionSpec& spec, const std::string& value) {
  for (const std::string_view choice : spec.choices) {
    if (value == choice) return;
  }
  std::string list;
  for (std::size_t i = 0; i < spec.choices.size(); ++i) {
    list += (i == 0 ? "" : i + 1 == spec.choices.size() ? " or " : ", ") + std::string(spec.choices[i]);
  }
  refuse(spec.name, "\"" + value + "\" is not " + list);
}

constexpr std::array<std::string_view, 5> kFormats{"csv", "recordio-protobuf", "recordio", "tfrecord",
                                                   "lines"};
constexpr std::array<std::string_view, 2> kModes{"File", "Pipe"};
constexpr std::array<std::string_view, 2> kRecordioJoins{"aws", "dmlc"};
constexpr std::array<std::string_view, 2> kDTypes{"float32", "float64"};
constexpr std::array<std::string_view, 3> kLastBatches{"keep", "drop", "pad"};
constexpr std::array<std::string_view, 3> kBadRecords{"error", "skip", "warn"};

using K = LoaderOptionKind;

// The table. Setters are captureless lambdas; each one's value is already of its kind (set()
// converts and refuses first). Defaults are not written here: they are LoaderOptions{}'s.
constexpr std::array<Entry, 30> kEntries{{
    {{"format", K::kChoice, kFormats, {}, {}, "The record format (default: from the channel's ContentType)"},
     [](Target& t, const LoaderOptionValue& v) { t.options.format = text(v); },
     [](const LoaderOptions& o) { return o.format; }},
    {{"mode",
      K::kChoice,
      kModes,
      {},
      {},
      "File or Pipe (default: the channel's TrainingInputMode; file and pipe taken too)"},
     [](Target& t, const LoaderOptionValue& v) { t.options.mode = parse_loader_mode(text(v)); },
     [](const LoaderOptions& o) { return o.mode ? std::string(to_string(*o.mode)) : std::string(); }},
    {{"label_size",
      K::kCount,
      {},
      {},
      {},
      "CSV: leading label columns (default: the ContentType's label_size, else 0)"},
     [](Target& t, const LoaderOptionValue& v) { t.options.label_size = count(v); },
     [](const LoaderOptions& o) { return text_of(o.label_size); }},
    {{"delimiter", K::kCharacter, {}, {}, {}, "CSV: the field delimiter"},
     [](Target& t, const LoaderOptionValue& v) { t.options.delimiter = character("delimiter", v); },
     [](const LoaderOptions& o) { return std::string(1, o.delimiter); }},
    {{"quote", K::kCharacter, {}, {}, {}, "CSV: the quote character"},
     [](Target& t, const LoaderOptionValue& v) { t.options.quote = character("quote", v); },
     [](const LoaderOptions& o) { return std::string(1, o.quote); }},
    {{"header", K::kFlag, {}, {}, {}, "CSV: the first row of each file is a header (skipped, counted)"},
     [](Target& t, const LoaderOptionValue& v) { t.options.header = flag(v); },
     [](const LoaderOptions& o) { return text_of(o.header); }},
    {{"empty_is_nan",
      K::kFlag,
      {},
      {},
      "!--empty-is-error",
      "CSV: an empty field is NaN (false: a bad record)"},
     [](Target& t, const LoaderOptionValue& v) { t.options.empty_is_nan = flag(v); },
     [](const LoaderOptions& o) { return text_of(o.empty_is_nan); }},
    {{"recordio_join",
      K::kChoice,
      kRecordioJoins,
      {},
      {},
      "RecordIO split records: aws (parts concatenated, as SageMaker's readers do) or dmlc (the magic "
      "between)"},
     [](Target& t, const LoaderOptionValue& v) { t.options.recordio_dmlc_join = text(v) == "dmlc"; },
     [](const LoaderOptions& o) { return std::string(o.recordio_dmlc_join ? "dmlc" : "aws"); }},
    {{"densify", K::kFlag, {}, {}, {}, "RecordIO-protobuf: sparse rows delivered dense"},
     [](Target& t, const LoaderOptionValue& v) { t.options.densify = flag(v); },
     [](const LoaderOptions& o) { return text_of(o.densify); }},
    {{"dtype",
      K::kChoice,
      kDTypes,
      {},
      {},
      "CSV and RecordIO-protobuf: the type of features, labels and values"},
     [](Target& t, const LoaderOptionValue& v) { t.options.dtype = parse_dtype(text(v)); },
     [](const LoaderOptions& o) { return std::string(to_string(o.dtype)); }},
    {{"batch_size", K::kCount, {}, {}, {}, "Records per batch"},
     [](Target& t, const LoaderOptionValue& v) { t.options.batch_size = count(v); },
     [](const LoaderOptions& o) { return text_of(std::uint64_t{o.batch_size}); }},
    {{"last_batch",
      K::kChoice,
      kLastBatches,
      {},
      {},
      "An epoch's short last batch: keep, drop or pad (zero rows)"},
     [](Target& t, const LoaderOptionValue& v) { t.last_batch = parse_last_batch(text(v)); },
     [](const LoaderOptions& o) { return std::string(to_string(o.last_batch)); }},
    {{"drop_last", K::kFlag, {}, {}, {}, "Same as last_batch drop (DataLoader's spelling)"},
     [](Target& t, const LoaderOptionValue& v) { t.drop_last = flag(v); },
     [](const LoaderOptions& o) { return text_of(o.last_batch == LastBatch::kDrop); }},
    {{"epochs", K::kCount, {}, {}, {}, "Epochs to read (0: until stopped)"},
     [](Target& t, const LoaderOptionValue& v) { t.options.epochs = count(v); },
     [](const LoaderOptions& o) { return text_of(o.epochs); }},
    {{"shuffle_window",
      K::kCount,
      {},
      {},
      {},
      "Shuffle through a window of this many records (0: no shuffle)"},
     [](Target& t, const LoaderOptionValue& v) { t.options.shuffle_window = count(v); },
     [](const LoaderOptions& o) { return text_of(std::uint64_t{o.shuffle_window}); }},
    {{"interleave",
      K::kCount,
      {},
      {},
      {},
      "Shuffling: objects (in a shuffled order) whose records alternate before the window"},
     [](Target& t, const LoaderOptionValue& v) { t.options.interleave = count(v); },
     [](const LoaderOptions& o) { return text_of(std::uint64_t{o.interleave}); }},
    {{"seed",
      K::kCount,
      {},
      {},
      {},
      "The shuffle seed (default: drawn, or with several shards the same in every process; in the state)"},
     [](Target& t, const LoaderOptionValue& v) { t.options.seed = count(v); },
     [](const LoaderOptions& o) { return text_of(o.seed); }},
    {{"reshuffle_each_epoch", K::kFlag, {}, {}, {}, "A new order every epoch (false: every epoch alike)"},
     [](Target& t, const LoaderOptionValue& v) { t.options.reshuffle_each_epoch = flag(v); },
     [](const LoaderOptions& o) { return text_of(o.reshuffle_each_epoch); }},
    {{"num_shards", K::kCount, {}, {}, {}, "Shards (default: from the job's hosts and the process's rank)"},
     [](Target& t, const LoaderOptionValue& v) { t.options.num_shards = count(v); },
     [](const LoaderOptions& o) { return text_of(o.num_shards); }},
    {{"shard_index", K::kCount, {}, {}, {}, "This reader's shard, below num_shards (given with it)"},
     [](Target& t, const LoaderOptionValue& v) { t.options.shard_index = count(v); },
     [](const LoaderOptions& o) { return text_of(o.shard_index); }},
    {{"shard_by_byte_range",
      K::kFlag,
      {},
      {},
      {},
      "Each shard reads only its share of the bytes (uncompressed File-mode CSV or lines; uneven counts)"},
     [](Target& t, const LoaderOptionValue& v) { t.options.shard_by_byte_range = flag(v); },
     [](const LoaderOptions& o) { return text_of(o.shard_by_byte_range); }},
    {{"follow_links_outside_channel",
      K::kFlag,
      {},
      {},
      {},
      "File mode: follow symbolic links that point outside the channel's folder (default: an error naming "
      "the link)"},
     [](Target& t, const LoaderOptionValue& v) { t.options.follow_links_outside_channel = flag(v); },
     [](const LoaderOptions& o) { return text_of(o.follow_links_outside_channel); }},
    {{"threads", K::kCount, {}, {}, {}, "Decode workers (0: the cores available, at most 8)"},
     [](Target& t, const LoaderOptionValue& v) { t.options.threads = count(v); },
     [](const LoaderOptions& o) { return text_of(std::uint64_t{o.threads}); }},
    {{"objects_in_flight",
      K::kCount,
      {},
      {},
      {},
      "Threads reading, decompressing and framing objects (File mode), or decompressing a FIFO ahead "
      "and its zstd frames at once (Pipe mode) (0: the cores, at most 8)"},
     [](Target& t, const LoaderOptionValue& v) { t.options.objects_in_flight = count(v); },
     [](const LoaderOptions& o) { return text_of(std::uint64_t{o.objects_in_flight}); }},
    {{"prefetch_batches", K::kCount, {}, {}, {}, "Batches prepared ahead of the consumer"},
     [](Target& t, const LoaderOptionValue& v) { t.options.prefetch_batches = count(v); },
     [](const LoaderOptions& o) { return text_of(std::uint64_t{o.prefetch_batches}); }},
    {{"memory_budget_bytes", K::kCount, {}, {}, "--memory-budget", "Bytes the loader may hold"},
     [](Target& t, const LoaderOptionValue& v) { t.options.memory_budget_bytes = count(v); },
     [](const LoaderOptions& o) { return text_of(std::uint64_t{o.memory_budget_bytes}); }},
    {{"max_record_bytes", K::kCount, {}, {}, {}, "The largest record accepted (at most 2^40)"},
     [](Target& t, const LoaderOptionValue& v) { t.options.max_record_bytes = count(v); },
     [](const LoaderOptions& o) { return text_of(std::uint64_t{o.max_record_bytes}); }},
    {{"device", K::kText, {}, {}, {}, "Where batches are delivered: cpu or cuda:N"},
     [](Target& t, const LoaderOptionValue& v) { t.options.device = text(v); },
     [](const LoaderOptions& o) { return o.device; }},
    {{"bad_records",
      K::kChoice,
      kBadRecords,
      {},
      {},
      "A record that cannot be decoded: error, skip (counted) or warn (counted, the first few printed)"},
     [](Target& t, const LoaderOptionValue& v) { t.options.bad_records = parse_bad_records(text(v)); },
     [](const LoaderOptions& o) { return std::string(to_string(o.bad_records)); }},
    {{"pipe_timeout",
      K::kSeconds,
      {},
      {},
      {},
      "Pipe mode: seconds to wait for a FIFO's writer, and for bytes once it has written"},
     [](Target& t, const LoaderOptionValue& v) {
       t.options.pipe_timeout = std::chrono::milliseconds(static_cast<long long>(std::get<double>(v) * 1000));
     },
     [](const LoaderOptions& o) {
       std::array<char, 32> buffer{};
       std::snprintf(buffer.data(), buffer.size(), "%g", static_cast<double>(o.pipe_timeout.count()) / 1000);
       return std::string(buffer.data());
     }},
}};

// resume is the 29th: its value is a whole LoaderState, kept apart so the table above stays the
// options a user types.
constexpr Entry kResume{
    {"resume",
     K::kState,
     {},
     {},
     {},
     "Continue where a loader with this state stopped (the command: a file --save-state wrote)"},
    [](Target& t, const LoaderOptionValue& v) { t.options.resume = LoaderState::from_json(text(v)); },
    [](const LoaderOptions& o) { return o.resume ? o.resume->to_json() : std::string(); }};

const Entry* find_entry(std::string_view name) {
  for (const Entry& entry : kEntries) {
    if (entry.spec.name == name) return &entry;
  }
  return name == kResume.spec.name ? &kResume : nullptr;
}

std::string_view kind_name(LoaderOptionKind kind) {
  switch (kind) {
    case K::kFlag:
      return "true or false";
    case K::kCount:
      return "a whole number";
    case K::kSeconds:
      return "a number of seconds";
    case K::kCharacter:
      return "one character";
    case K::kChoice:
      return "one of its choices";
    case K::kText:
      return "text";
    case K::kState:
      return "a loader state (JSON)";
  }
  return "?";
}

// The value as the option's kind takes it, or a ConfigError naming the option.
LoaderOptionValue normalized(const LoaderOptionSpec& spec, const LoaderOptionValue& value) {
  const auto wrong = [&]() -> LoaderOptionValue {
    refuse(spec.name, "takes " + std::string(kind_name(spec.kind)));
  };
  const std::string* given_text = std::get_if<std::string>(&value);
  switch (spec.kind) {
    case K::kFlag:
      if (std::holds_alternative<bool>(value)) return value;
      if (given_text != nullptr && (*given_text == "true" || *given_text == "false"))
        return *given_text == "true";
      if (given_text != nullptr) refuse(spec.name, "\"" + *given_text + "\" is not true or false");
      return wrong();
    case K::kCount: {
      if (std::holds_alternative<std::uint64_t>(value)) return value;
      if (given_text == nullptr) return wrong();
      std::uint64_t number = 0;
      const char* end = given_text->data() + given_text->size();
      const auto [stop, error] = std::from_chars(given_text->data(), end, number);
      if (given_text->empty() || (*given_text)[0] == '+' || error != std::errc() || stop != end)
        refuse(spec.name, "\"" + *given_text + "\" is not a whole number in 0.." +
                              std::to_string(std::numeric_limits<std::uint64_t>::max()));
      return number;
    }
    case K::kSeconds: {
      double seconds = 0;
      std::string shown;
      if (const auto* number = std::get_if<double>(&value)) {
        seconds = *number;
      } else if (const auto* whole = std::get_if<std::uint64_t>(&value)) {
        seconds = static_cast<double>(*whole);
      } else if (given_text != nullptr) {
        const char* end = given_text->data() + given_text->size();
        const auto [stop, error] = std::from_chars(given_text->data(), end, seconds);
        if (given_text->empty() || error != std::errc() || stop != end)
          refuse(spec.name, "\"" + *given_text + "\" is not a number of seconds");
      } else {
        return wrong();
      }
      if (!(seconds > 0 && seconds <= 1e9)) {  // also NaN
        std::array<char, 32> buffer{};
        std::snprintf(buffer.data(), buffer.size(), "%g", seconds);
        refuse(spec.name, std::string(buffer.data()) + " is not a number of seconds in (0, 1e9]");
      }
      return seconds;
    }
    case K::kChoice:
      if (given_text == nullptr) return wrong();
      // mode also takes the command's historical lower-case spellings (parse_loader_mode).
      if (spec.name != "mode") check_choice(spec, *given_text);
      return value;
    case K::kCharacter:
    case K::kText:
    case K::kState:
      if (given_text == nullptr) return wrong();
      return value;
  }
  return wrong();
}

}  // namespace

std::span<const LoaderOptionSpec> loader_option_specs() {
  // Built once: each default is LoaderOptions{}'s value in its spelling, so no default is written
  // twice.
  static const auto specs = [] {
    static std::vector<std::string> defaults;
    std::vector<LoaderOptionSpec> list;
    list.reserve(kEntries.size() + 1);
    const LoaderOptions options;
    defaults.reserve(kEntries.size() + 1);
    for (const Entry& entry : kEntries) list.push_back(entry.spec);
    list.push_back(kResume.spec);
    for (LoaderOptionSpec& spec : list) {
      defaults.push_back(find_entry(spec.name)->get(options));
      spec.default_text = defaults.back();
    }
    return list;
  }();
  return specs;
}

const LoaderOptionSpec* find_loader_option(std::string_view name) {
  for (const LoaderOptionSpec& spec : loader_option_specs()) {
    if (spec.name == name) return &spec;
  }
  return nullptr;
}

std::string command_flag(std::string_view name) {
  std::string flag = "--" + std::string(name);
  for (char& c : flag) {
    if (c == '_') c = '-';
  }
  return flag;
}

void LoaderOptionsBuilder::set(std::string_view name, const LoaderOptionValue& value) {
  const Entry* entry = find_entry(name);
  if (entry == nullptr) throw ConfigError("no loader option is named \"" + std::string(name) + "\"");
  Target target{options_, last_batch_, drop_last_};
  entry->set(target, normalized(entry->spec, value));
}

LoaderOptions LoaderOptionsBuilder::build() const {
  LoaderOptions options = options_;
  if (drop_last_ && last_batch_ && *last_batch_ != LastBatch::kDrop) {
    throw ConfigError("loader option drop_last: true contradicts last_batch \"" +
                      std::string(to_string(*last_batch_)) +
                      "\" (drop_last is last_batch \"drop\"; give one of them)");
  }
  if (last_batch_) options.last_batch = *last_batch_;
  if (drop_last_) options.last_batch = LastBatch::kDrop;
  return options;
}

std::string loader_option_text(const LoaderOptions& options, std::string_view name) {
  const Entry* entry = find_entry(name);
  if (entry == nullptr) throw ConfigError("no loader option is named \"" + std::string(name) + "\"");
  return entry->get(options);
}

}  // namespace chanload
