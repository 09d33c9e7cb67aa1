#include "sizing/bench_report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

namespace chanload::sizing {
namespace {

using nlohmann::json;

json throughput_json(const Throughput& t) {
  return {{"bytes_per_second", t.bytes_per_second()},
          {"records_per_second", t.records_per_second()},
          {"seconds", t.seconds},
          {"runs", t.runs}};
}

json by_threads_json(const std::vector<Throughput>& passes, const std::vector<std::size_t>* peak_memory) {
  json out = json::object();
  if (passes.empty()) return out;
  json list = json::array();
  std::size_t best = 0;
  for (std::size_t i = 0; i < passes.size(); ++i) {
    json entry = throughput_json(passes[i]);
    entry["threads"] = i + 1;
    if (peak_memory != nullptr && i < peak_memory->size()) entry["peak_memory_bytes"] = (*peak_memory)[i];
    list.push_back(entry);
    if (passes[i].records_per_second() > passes[best].records_per_second()) best = i;
  }
  out = throughput_json(passes[best]);
  out["threads"] = best + 1;
  out["by_threads"] = list;
  return out;
}

json costs_json(const LoaderCosts& costs) {
  return {{"reader_cpu_seconds_per_record", costs.reader},
          {"batcher_cpu_seconds_per_record", costs.batcher},
          {"decode_cpu_seconds_per_record", costs.decode},
          {"reader_threads", costs.reader_threads},
          {"measured_in_loader", costs.measured_in_loader}};
}

template <typename T>
json optional_json(const std::optional<T>& value) {
  return value ? json(*value) : json(nullptr);
}

void row(std::ostringstream& out, const std::string& stage, const std::string& threads, const Throughput& t,
         const std::string& remark = "") {
  char line[160];
  std::snprintf(line, sizeof line, "  %-12s %7s %14s %16s  %s\n", stage.c_str(), threads.c_str(),
                si(t.bytes_per_second(), "B/s").c_str(), si(t.records_per_second(), "rec/s").c_str(),
                remark.c_str());
  out << line;
}

// Copy bandwidth as decoded rows per second.
double rows_per_second(const BenchReport& report, double bytes_per_second) {
  return report.decoded_row_bytes > 0 ? bytes_per_second / static_cast<double>(report.decoded_row_bytes)
                                      : 0.0;
}

}  // namespace

std::string si(double value, const char* unit) {
  char text[48];
  if (!std::isfinite(value)) return "-";
  if (value >= 1e9) {
    std::snprintf(text, sizeof text, "%.2f G%s", value / 1e9, unit);
  } else if (value >= 1e6) {
    std::snprintf(text, sizeof text, "%.1f M%s", value / 1e6, unit);
  } else if (value >= 1e3) {
    std::snprintf(text, sizeof text, "%.1f k%s", value / 1e3, unit);
  } else {
    std::snprintf(text, sizeof text, "%.0f %s", value, unit);
  }
  return text;
}

json report_json(const BenchReport& report) {
  json h2d = nullptr;
  if (report.h2d) {
    const double pinned = report.h2d->pinned_bytes_per_second;
    const double pageable = report.h2d->pageable_bytes_per_second;
    h2d = {
        {"block_bytes", report.h2d->block_bytes},
        {"pinned", {{"bytes_per_second", pinned}, {"records_per_second", rows_per_second(report, pinned)}}},
        {"pageable",
         {{"bytes_per_second", pageable}, {"records_per_second", rows_per_second(report, pageable)}}},
        // the figures of the pinned copies, the ones the loader makes
        {"bytes_per_second", pinned},
        {"records_per_second", rows_per_second(report, pinned)}};
  }
  const Sizing& s = report.sizing;
  json costs_by_threads = json::array();
  for (std::size_t i = 0; i < report.end_to_end_costs.size(); ++i) {
    json entry = costs_json(report.end_to_end_costs[i]);
    entry["threads"] = i + 1;
    costs_by_threads.push_back(entry);
  }
  return {
      {"machine", {{"cores", report.cores}, {"cpu", report.cpu}}},
      {"data",
       {{"source", report.source},
        {"format", report.format},
        {"mode", report.mode},
        {"compression", report.compression},
        {"files", report.files},
        {"files_total", report.files_total},
        {"cut_files", report.cut_files},
        {"records", report.records},
        {"stored_bytes", report.stored_bytes},
        {"bytes", report.bytes},
        {"decoded_row_bytes", report.decoded_row_bytes},
        {"batch_size", report.batch_size}}},
      {"stages",
       {{"read", throughput_json(report.read)},
        {"decompress", report.decompress ? throughput_json(*report.decompress) : json(nullptr)},
        {"frame", throughput_json(report.frame)},
        {"decode", by_threads_json(report.decode, nullptr)},
        {"end_to_end", by_threads_json(report.end_to_end, &report.end_to_end_peak_memory)},
        {"loader_costs", costs_by_threads},
        {"h2d", h2d}}},
      {"h2d_unavailable", report.h2d ? json(nullptr) : json(report.h2d_unavailable)},
      {"shuffle_quality",
       {{"window", report.shuffle.window},
        {"stored_order_correlation", report.shuffle.stored_correlation},
        {"stored_objects_per_batch", report.shuffle.stored_objects_per_batch},
        {"shuffled_order_correlation", report.shuffle.shuffled_correlation},
        {"shuffled_objects_per_batch", report.shuffle.shuffled_objects_per_batch}}},
      {"sizing",
       {{"costs", costs_json(s.costs)},
        {"model_error_by_threads", s.model_error},
        {"serial_records_per_second", s.serial_records_per_second},
        {"decode_records_per_second_per_core", s.decode_records_per_second_per_core},
        {"model_max_records_per_second", s.model_max_records_per_second},
        {"measured_best_records_per_second", s.measured_best_records_per_second},
        {"measured_best_threads", s.measured_best_threads},
        {"limiting_stage", s.limiting_stage},
        {"target_records_per_second", optional_json(s.target_records_per_second)},
        {"cores_needed", optional_json(s.cores_needed)},
        {"decode_threads_needed", optional_json(s.decode_threads_needed)},
        {"loaders_needed", optional_json(s.loaders_needed)},
        {"target_fits_this_machine",
         s.target_records_per_second ? json(s.target_fits_this_machine) : json(nullptr)},
        {"prefetch_memory_bytes", s.prefetch_memory_bytes},
        {"h2d_bytes_per_second_per_gpu", optional_json(s.h2d_bytes_per_second_per_gpu)},
        {"h2d_share_of_pinned_bandwidth", optional_json(s.h2d_share_of_pinned_bandwidth)},
        {"advice", s.advice}}},
  };
}

std::string report_table(const BenchReport& report) {
  std::ostringstream out;
  out << "chanload bench: " << report.format << ", " << report.mode << " mode, compression "
      << report.compression << ", " << report.records << " records in " << report.files << " of "
      << report.files_total << " file(s), " << si(static_cast<double>(report.stored_bytes), "B")
      << " stored, " << si(static_cast<double>(report.bytes), "B") << " of " << report.format << "\n";
  for (const auto& cut : report.cut_files) out << "sample: the first complete records of " << cut << "\n";
  out << "machine: " << report.cores << " core(s), " << report.cpu << "\n\n";
  char header[160];
  std::snprintf(header, sizeof header, "  %-12s %7s %14s %16s\n", "stage", "threads", "bytes/s", "records/s");
  out << header;
  row(out, "read", "1", report.read,
      report.mode == "Pipe" ? "stored bytes, through a FIFO" : "stored bytes (page cache)");
  if (report.decompress) row(out, "decompress", "1", *report.decompress, "decompressed bytes");
  row(out, "frame", "1", report.frame);
  for (std::size_t i = 0; i < report.decode.size(); ++i)
    row(out, "decode", std::to_string(i + 1), report.decode[i]);
  for (std::size_t i = 0; i < report.end_to_end.size(); ++i) {
    const double ratio =
        report.decode[i].records_per_second() > 0
            ? report.end_to_end[i].records_per_second() / report.decode[i].records_per_second()
            : 0;
    char remark[96];
    std::snprintf(remark, sizeof remark, "%.2fx decode; peak memory %s", ratio,
                  si(static_cast<double>(report.end_to_end_peak_memory[i]), "B").c_str());
    row(out, "end to end", std::to_string(i + 1), report.end_to_end[i], remark);
  }
  if (report.h2d) {
    char line[200];
    std::snprintf(line, sizeof line, "  %-12s %7s %14s %16s  pinned (pageable %s), %s blocks\n", "h2d", "-",
                  si(report.h2d->pinned_bytes_per_second, "B/s").c_str(),
                  si(rows_per_second(report, report.h2d->pinned_bytes_per_second), "rec/s").c_str(),
                  si(report.h2d->pageable_bytes_per_second, "B/s").c_str(),
                  si(static_cast<double>(report.h2d->block_bytes), "B").c_str());
    out << line;
  } else {
    out << "  h2d          not measured: " << report.h2d_unavailable << "\n";
  }
  {
    char line[240];
    std::snprintf(line, sizeof line,
                  "\nshuffle quality (order correlation with stored order; distinct files per batch): "
                  "stored %.2f, %.1f; shuffled (window %zu, interleave %zu) %.2f, %.1f\n",
                  report.shuffle.stored_correlation, report.shuffle.stored_objects_per_batch,
                  report.shuffle.window, LoaderOptions{}.interleave, report.shuffle.shuffled_correlation,
                  report.shuffle.shuffled_objects_per_batch);
    out << line;
  }
  const Sizing& s = report.sizing;
  {
    char line[320];
    std::snprintf(line, sizeof line,
                  "\nloader costs (CPU per record%s): reader stage %.3g us on up to %zu thread(s), batcher "
                  "%.3g us, decode %.3g us\n",
                  s.costs.measured_in_loader ? ", its own stats, 1 decode thread" : ", the stages one by one",
                  s.costs.reader * 1e6, s.costs.reader_threads, s.costs.batcher * 1e6, s.costs.decode * 1e6);
    out << line;
    if (!s.model_error.empty()) {
      out << "model against the measured end to end:";
      for (std::size_t i = 0; i < s.model_error.size(); ++i) {
        std::snprintf(line, sizeof line, "%s %zu thread(s) %+.0f%%", i == 0 ? "" : ",", i + 1,
                      s.model_error[i] * 100);
        out << line;
      }
      out << "\n";
    }
  }
  out << "\nsizing: limited by " << s.limiting_stage << "; one loader's ceiling "
      << si(s.serial_records_per_second, "rec/s") << ", decode "
      << si(s.decode_records_per_second_per_core, "rec/s") << " per core, prefetch memory "
      << si(static_cast<double>(s.prefetch_memory_bytes), "B") << "\n";
  for (const auto& sentence : s.advice) out << "  " << sentence << "\n";
  if (s.h2d_bytes_per_second_per_gpu) {
    out << "  Each GPU takes " << si(*s.h2d_bytes_per_second_per_gpu, "B/s") << " of batches";
    if (s.h2d_share_of_pinned_bandwidth) {
      char share[32];
      std::snprintf(share, sizeof share, "%.1f%%", *s.h2d_share_of_pinned_bandwidth * 100);
      out << ", " << share << " of the pinned copy bandwidth measured";
    }
    out << ".\n";
  }
  return out.str();
}

}  // namespace chanload::sizing
