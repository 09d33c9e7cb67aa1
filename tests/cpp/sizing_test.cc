// chanload bench's pieces: the generated data (read back through the real loader), the stages, the
// sizing model, the progress line, and the command.
#include <chanload/errors.h>
#include <chanload/loader.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <pty.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>

#include "cli/progress.h"
#include "format/record_writers.h"
#include "format/recordio_protobuf_decoder.h"
#include "io/fifo_feeder.h"
#include "io/stop_signal.h"
#include "sizing/bench_report.h"
#include "sizing/bench_run.h"
#include "sizing/memory_stream.h"
#include "sizing/sample.h"
#include "sizing/sample_cut.h"
#include "sizing/sizing.h"
#include "sizing/stages.h"
#include "sizing/synthetic_data.h"
#include "test_tree.h"

namespace chanload {
namespace {

using format::DataFormat;
using sizing::StoredCompression;
using ::testing::HasSubstr;
using testing::run_command;
using testing::TestTree;

const std::string kCli = CHANLOAD_CLI_PATH;

// Every row of a generated channel, through the loader: the count, and the labels (row % 2).
struct ReadBack {
  std::uint64_t rows = 0;
  std::size_t columns = 0;
  bool labels_alternate = true;
};

ReadBack read_back(const TestTree& tree, const sizing::SyntheticData& data, DataFormat format) {
  tree.write_config("inputdataconfig.json", R"({"train": {"ContentType": ")" + data.content_type +
                                                R"(", "TrainingInputMode": "File"}})");
  LoaderOptions options;
  options.format = std::string(format::to_string(format));
  options.batch_size = 97;
  options.num_shards = 1;
  options.shard_index = 0;
  Loader loader(Environment::load(tree.root()), "train", options);
  ReadBack result;
  while (auto batch = loader.next()) {
    if (batch->kind() == BatchKind::kDense) {
      result.columns = batch->columns();
      for (std::size_t r = 0; r < batch->rows(); ++r) {
        if (batch->labels()[r] != static_cast<float>((result.rows + r) % 2)) result.labels_alternate = false;
      }
    }
    result.rows += batch->rows();
  }
  return result;
}

class SyntheticChannel : public ::testing::TestWithParam<std::tuple<DataFormat, StoredCompression>> {};

TEST_P(SyntheticChannel, TheLoaderReadsBackEveryRow) {
  const auto [format, compression] = GetParam();
  TestTree tree;
  sizing::SyntheticSpec spec;
  spec.format = format;
  spec.compression = compression;
  spec.rows = 1001;
  spec.columns = 9;
  spec.files = 3;
  const auto data = sizing::write_synthetic_channel(spec, tree.root() / "input/data/train");
  ASSERT_EQ(data.files.size(), 3U);
  EXPECT_EQ(data.records, 1001U);
  if (compression == StoredCompression::kNone) {
    EXPECT_EQ(data.stored_bytes, data.bytes);
  } else {
    EXPECT_LT(data.stored_bytes, data.bytes);
  }
  const ReadBack back = read_back(tree, data, format);
  EXPECT_EQ(back.rows, 1001U);
  if (format != DataFormat::kTFRecord) {
    EXPECT_EQ(back.columns, 8U);  // the label is not a feature
    EXPECT_TRUE(back.labels_alternate);
  }
}

INSTANTIATE_TEST_SUITE_P(FormatsAndCompressions, SyntheticChannel,
                         ::testing::Combine(::testing::Values(DataFormat::kCsv, DataFormat::kRecordIOProtobuf,
                                                              DataFormat::kTFRecord),
                                            ::testing::Values(StoredCompression::kNone,
                                                              StoredCompression::kGzip,
                                                              StoredCompression::kZstd)));

TEST(SyntheticChannel, RefusesWhatItCannotGenerate) {
  TestTree tree;
  sizing::SyntheticSpec spec;
  spec.format = DataFormat::kLines;
  EXPECT_THROW(sizing::write_synthetic_channel(spec, tree.root()), ConfigError);
  spec.format = DataFormat::kCsv;
  spec.columns = 1;
  EXPECT_THROW(sizing::write_synthetic_channel(spec, tree.root()), ConfigError);
}

TEST(RecordWriters, DenseProtobufDecodesToTheValuesWritten) {
  const std::vector<float> features = {1.5F, -2.25F, 3e10F};
  const std::vector<float> label = {7};
  std::string message;
  format::append_dense_record_protobuf(message, features, label);
  format::RecordIOProtobufDecoder decoder;
  format::DecodedRows out;
  const std::string origin = "memory";
  decoder.decode(std::as_bytes(std::span(message)), {&origin, 0, 0}, out);
  EXPECT_EQ(out.features, features);
  EXPECT_EQ(out.labels, label);
}

TEST(RecordWriters, CsvRowsCarrySevenSignificantDigits) {
  std::string row;
  const std::vector<float> values = {0.5F, 123.456789F, -1e-8F};
  format::append_csv_row(row, values);
  EXPECT_EQ(row, "0.5,123.4568,-1e-08\n");
}

sizing::Sample make_sample(const TestTree& tree, DataFormat format, StoredCompression compression,
                           std::uint64_t rows) {
  sizing::SyntheticSpec spec;
  spec.format = format;
  spec.compression = compression;
  spec.rows = rows;
  spec.columns = 5;
  spec.files = 2;
  const auto data = sizing::write_synthetic_channel(spec, tree.root() / "data");
  sizing::DecodeSettings settings;
  settings.format = format;
  settings.label_size = 1;
  return sizing::Sample(data.files, settings, {});
}

TEST(Stages, EachPassHandlesTheWholeSample) {
  TestTree tree;
  const auto sample = make_sample(tree, DataFormat::kCsv, StoredCompression::kGzip, 999);
  EXPECT_EQ(sample.data_records(), 999U);
  EXPECT_EQ(sample.csv_columns(), 5U);
  EXPECT_EQ(sample.decoded_row_bytes(), 20U);
  EXPECT_EQ(sizing::read_files(sample), sample.stored_bytes());
  EXPECT_EQ(sizing::decompress(sample), sample.bytes());
  EXPECT_EQ(sizing::frame(sample, {}), 999U);
  sizing::DecodeWork work(sample, 64);
  EXPECT_EQ(work.records(), 999U);
  for (const std::size_t threads : {std::size_t{1}, std::size_t{2}, std::size_t{3}, std::size_t{7}})
    EXPECT_EQ(sizing::decode(work, threads), 999U) << threads;

  const std::string fifo = (tree.root() / "bench_0").string();
  EXPECT_EQ(sizing::read_fifo(sample, fifo, std::chrono::seconds(10)), sample.stored_bytes());
  EXPECT_FALSE(std::filesystem::exists(fifo));  // the feeder removes its FIFO
}

TEST(Stages, RecordIOProtobufAndTFRecordDecodeEveryRecord) {
  for (const auto format : {DataFormat::kRecordIOProtobuf, DataFormat::kTFRecord}) {
    TestTree tree;
    const auto sample = make_sample(tree, format, StoredCompression::kNone, 500);
    sizing::DecodeWork work(sample, 100);
    EXPECT_EQ(sizing::decode(work, 2), 500U);
    EXPECT_EQ(sizing::decode(work, 3), 500U);  // again: the work is reused pass after pass
    EXPECT_EQ(sizing::frame(sample, {}), 500U);
  }
}

TEST(Stages, ABadRowIsAnErrorNamingFileAndLineFromAnyDecodeThread) {
  TestTree tree;
  tree.write("data/a.csv", "1,2,3\n4,5,6\n7,x,9\n");
  sizing::DecodeSettings settings;
  const sizing::Sample sample({(tree.root() / "data/a.csv").string()}, settings, {});
  sizing::DecodeWork work(sample, 1);  // the bad row in a batch, and a thread, of its own
  try {
    sizing::decode(work, 2);
    FAIL() << "no error";
  } catch (const DataError& e) {
    EXPECT_THAT(e.what(), HasSubstr("a.csv line 3"));
  }
}

TEST(Stages, ACutRecordIORecordIsAnErrorNamingTheFileAndOffset) {
  TestTree tree;
  std::string data;
  const std::string payload(40, 'p');
  format::append_recordio(data, std::as_bytes(std::span(payload)));
  format::append_recordio(data, std::as_bytes(std::span(payload)));
  data.resize(data.size() - 10);
  tree.write("data/a.rec", data);
  sizing::DecodeSettings settings;
  settings.format = DataFormat::kRecordIO;
  try {
    const sizing::Sample sample({(tree.root() / "data/a.rec").string()}, settings, {});
    FAIL() << "no error";
  } catch (const DataError& e) {
    EXPECT_THAT(e.what(), HasSubstr("a.rec: record at byte offset 48"));
  }
}

TEST(Stages, RepeatTakesTheMedianPassAndRunsLongEnough) {
  sizing::RepeatOptions options;
  options.min_seconds = 0.02;
  options.min_runs = 3;
  int calls = 0;
  const auto t = sizing::repeat(1000, 10, options, [&] {
    ++calls;
    std::this_thread::sleep_for(std::chrono::milliseconds(calls == 1 ? 30 : 2));
  });
  EXPECT_GE(t.runs, 3U);
  EXPECT_EQ(static_cast<int>(t.runs), calls);
  EXPECT_LT(t.seconds, 0.02);  // the slow first pass is not the median
  EXPECT_NEAR(t.bytes_per_second(), 1000 / t.seconds, 1e-6);
}

TEST(FifoFeeder, AStopEndsTheWaitForAReader) {
  TestTree tree;
  io::FifoFeedOptions options;
  options.stop = std::make_shared<io::StopSignal>();
  options.timeout = std::chrono::seconds(30);
  std::thread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    options.stop->request_stop();
  });
  const auto start = std::chrono::steady_clock::now();
  EXPECT_THROW(io::feed_fifo((tree.root() / "ch_0").string(), {}, options), StoppedError);
  stopper.join();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  EXPECT_FALSE(std::filesystem::exists(tree.root() / "ch_0"));
}

TEST(FifoFeeder, NoReaderIsATimeoutNamingTheFifo) {
  TestTree tree;
  io::FifoFeedOptions options;
  options.timeout = std::chrono::milliseconds(100);
  try {
    io::feed_fifo((tree.root() / "ch_3").string(), {}, options);
    FAIL() << "no error";
  } catch (const TimeoutError& e) {
    EXPECT_THAT(e.what(), HasSubstr("ch_3: no reader"));
  }
}

sizing::StageRates rates_for_model() {
  sizing::StageRates rates;
  rates.read = 4e6;
  rates.frame = 4e6;  // serial: 1 / (1/4M + 1/4M) = 2M records/s
  rates.decode = {1e6, 1.9e6};
  rates.end_to_end = {0.9e6, 1.5e6};
  rates.cores = 2;
  rates.decoded_row_bytes = 100;
  rates.batch_size = 1000;
  rates.prefetch_batches = 3;
  return rates;
}

TEST(SizingModel, CoresForATargetAreTheReadersShareAndTheDecodeWorkers) {
  sizing::SizingTarget target;
  target.records_per_second = 1.5e6;
  const auto s = sizing::size_loader(rates_for_model(), target);
  EXPECT_DOUBLE_EQ(s.serial_records_per_second, 2e6);
  ASSERT_TRUE(s.cores_needed);
  EXPECT_DOUBLE_EQ(*s.cores_needed, 1.5e6 / 2e6 + 1.5e6 / 1e6);  // 0.75 + 1.5
  EXPECT_EQ(*s.decode_threads_needed, 2U);
  EXPECT_EQ(*s.loaders_needed, 1U);
  EXPECT_FALSE(s.target_fits_this_machine);  // 2.25 cores > 2
  EXPECT_EQ(s.limiting_stage, "decode");
  EXPECT_EQ(s.prefetch_memory_bytes, 4U * 1000 * 100);
  EXPECT_THAT(s.advice.back(), HasSubstr("at least 3"));
}

TEST(SizingModel, ATargetAboveTheReadersCeilingNeedsMoreLoadersAndNamesTheSlowestSerialStage) {
  auto rates = rates_for_model();
  rates.decompress = 3e6;  // serial: 1 / (1/4M + 1/4M + 1/3M) = 1.2M
  sizing::SizingTarget target;
  target.gpus = 4;
  target.records_per_gpu_per_second = 1e6;
  rates.h2d_pinned_bytes_per_second = 1e9;
  const auto s = sizing::size_loader(rates, target);
  EXPECT_NEAR(s.serial_records_per_second, 1.2e6, 1);
  EXPECT_EQ(*s.target_records_per_second, 4e6);
  EXPECT_EQ(*s.loaders_needed, 4U);  // ceil(4M / 1.2M)
  EXPECT_EQ(s.limiting_stage, "decompress");
  EXPECT_DOUBLE_EQ(*s.h2d_bytes_per_second_per_gpu, 1e6 * 100);
  EXPECT_DOUBLE_EQ(*s.h2d_share_of_pinned_bandwidth, 0.1);
}

TEST(SizingModel, WithoutATargetItGivesThisMachinesMaximum) {
  const auto s = sizing::size_loader(rates_for_model(), {});
  // 2 cores / (1/2M + 1/1M seconds per record) = 1.333M, under the reader's 2M: decode limits.
  EXPECT_NEAR(s.model_max_records_per_second, 2 / (0.5e-6 + 1e-6), 1);
  EXPECT_EQ(s.limiting_stage, "decode");
  EXPECT_EQ(s.measured_best_threads, 2U);
  EXPECT_FALSE(s.cores_needed);
  EXPECT_THROW(sizing::size_loader({}, {}), std::invalid_argument);
}

TEST(BenchRun, SyntheticPipeModeMeasuresEveryStage) {
  TestTree tree;
  sizing::BenchConfig config;
  config.synthetic.format = DataFormat::kRecordIOProtobuf;
  config.synthetic.compression = StoredCompression::kZstd;
  config.synthetic.rows = 3000;
  config.mode = InputMode::kPipe;
  config.max_threads = 2;
  config.batch_size = 256;
  config.repeat.min_seconds = 0.01;
  config.repeat.min_runs = 1;
  config.work_dir = tree.root();
  std::vector<std::string> steps;
  const auto report = sizing::run_bench(config, {}, [&](const std::string& step) { steps.push_back(step); });
  EXPECT_EQ(report.records, 3000U);
  EXPECT_EQ(report.mode, "Pipe");
  EXPECT_EQ(report.compression, "zstd");
  ASSERT_TRUE(report.decompress);
  EXPECT_EQ(report.decode.size(), 2U);
  ASSERT_EQ(report.end_to_end.size(), 2U);
  EXPECT_GT(report.end_to_end[1].records_per_second(), 0);
  EXPECT_THAT(steps, ::testing::Contains(HasSubstr("read (through a FIFO)")));

  const nlohmann::json json = sizing::report_json(report);
  for (const char* stage : {"read", "decompress", "frame", "decode", "end_to_end"}) {
    EXPECT_GT(json["stages"][stage]["records_per_second"].get<double>(), 0) << stage;
    EXPECT_GT(json["stages"][stage]["bytes_per_second"].get<double>(), 0) << stage;
  }
  EXPECT_EQ(json["stages"]["end_to_end"]["by_threads"].size(), 2U);
  EXPECT_TRUE(json["stages"].contains("h2d"));
  EXPECT_EQ(json["stages"]["h2d"].is_null(), !report.h2d.has_value());
  EXPECT_FALSE(json["sizing"]["limiting_stage"].get<std::string>().empty());
  EXPECT_THAT(sizing::report_table(report), HasSubstr("end to end"));
  // One FIFO is one object: delivered in stored order, and shuffled only by the window (30 records).
  EXPECT_EQ(report.shuffle.window, 30U);
  EXPECT_GT(report.shuffle.stored_correlation, 0.999);
  EXPECT_DOUBLE_EQ(report.shuffle.stored_objects_per_batch, 1.0);
  EXPECT_LT(report.shuffle.shuffled_correlation, report.shuffle.stored_correlation);
  EXPECT_GT(report.shuffle.shuffled_correlation, 0.9);
  EXPECT_DOUBLE_EQ(json["shuffle_quality"]["stored_objects_per_batch"].get<double>(), 1.0);
  EXPECT_THAT(sizing::report_table(report), HasSubstr("shuffle quality"));
}

// Pipe mode inflates the FIFO ahead of the framing on a thread of the source's own: its CPU time is
// the reader stage's too. Without it the model put such a channel at 5x what the loader delivered.
TEST(BenchRun, PipeModesReaderCostCountsTheThreadThatInflatesAhead) {
  TestTree tree;
  sizing::BenchConfig config;
  config.synthetic.format = DataFormat::kRecordIOProtobuf;
  config.synthetic.compression = StoredCompression::kGzip;
  config.synthetic.rows = 40000;
  config.synthetic.files = 2;
  config.mode = InputMode::kPipe;
  config.max_threads = 1;
  config.repeat.min_seconds = 0.05;
  config.work_dir = tree.root();
  const auto report = sizing::run_bench(config, {}, [](const std::string&) {});
  ASSERT_TRUE(report.decompress);
  EXPECT_GT(report.sizing.costs.reader, 0.7 / report.decompress->records_per_second());
}

TEST(BenchRun, AJobRootsChannelIsMeasuredOnlyInItsSample) {
  TestTree tree;
  tree.write_config("inputdataconfig.json",
                    R"({"train": {"ContentType": "text/csv;label_size=1", "TrainingInputMode": "File"}})");
  tree.write("input/data/train/part-1.csv", "1,2,3\n0,4,5\n");
  tree.write("input/data/train/part-2.csv", "1,2,3\n");
  sizing::BenchConfig config;
  config.data = tree.root();
  config.max_threads = 1;
  config.sample_bytes = 12;  // the first file in natural order, whole; the sample ends there
  config.repeat.min_seconds = 0.001;
  config.repeat.min_runs = 1;
  const TestTree work;
  config.work_dir = work.root();
  const auto report = sizing::run_bench(config, {}, [](const std::string&) {});
  EXPECT_EQ(report.files, 1U);
  EXPECT_EQ(report.files_total, 2U);
  EXPECT_EQ(report.records, 2U);
  EXPECT_EQ(report.format, "csv");
  EXPECT_EQ(report.compression, "none");
  EXPECT_FALSE(report.decompress);
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

class SampleCut : public ::testing::TestWithParam<StoredCompression> {};

TEST_P(SampleCut, KeepsTheFirstCompleteRecordsStoredAsTheOriginal) {
  TestTree tree;
  sizing::SyntheticSpec spec;
  spec.compression = GetParam();
  spec.rows = 20000;  // zstd decodes whole blocks (128 KiB): a third of the file must hold several
  spec.columns = 9;
  spec.files = 1;
  const auto data = sizing::write_synthetic_channel(spec, tree.root() / "objects");
  const std::string original = read_file(data.files[0]);
  std::string rows;
  sizing::decompress_all(original, data.files[0], &rows);

  const auto out = tree.root() / "input/data/train/cut.csv";
  const auto cut =
      sizing::write_cut_file(data.files[0], original.size() / 3, format::RecordFormat::kCsv, {}, out);
  ASSERT_TRUE(cut);
  const std::string stored = read_file(out);
  EXPECT_EQ(cut->stored_bytes, stored.size());
  EXPECT_EQ(sizing::detect_compression(stored), spec.compression);
  std::string kept;
  sizing::decompress_all(stored, out.string(), &kept);
  EXPECT_EQ(kept.size(), cut->bytes);
  // Whole rows from the start: a prefix of the original ending at a line's end.
  ASSERT_GT(kept.size(), 0U);
  EXPECT_EQ(rows.compare(0, kept.size(), kept), 0);
  EXPECT_EQ(kept.back(), '\n');
  EXPECT_LT(kept.size(), rows.size());
  if (spec.compression == StoredCompression::kNone) {
    EXPECT_LE(stored.size(), original.size() / 3);
  }

  sizing::SyntheticData cut_data = data;
  cut_data.files = {out.string()};
  const auto rows_kept = static_cast<std::uint64_t>(std::count(kept.begin(), kept.end(), '\n'));
  const ReadBack back = read_back(tree, cut_data, DataFormat::kCsv);
  EXPECT_EQ(back.rows, rows_kept);
  EXPECT_TRUE(back.labels_alternate);
}

INSTANTIATE_TEST_SUITE_P(Compressions, SampleCut,
                         ::testing::Values(StoredCompression::kNone, StoredCompression::kGzip,
                                           StoredCompression::kZstd));

TEST(SampleCut, NotOneRecordInTheBytesLeftIsNothing) {
  TestTree tree;
  tree.write("objects/big.csv", "1,2,3,4,5,6,7,8,9\n1,2,3\n");
  EXPECT_FALSE(sizing::write_cut_file((tree.root() / "objects/big.csv").string(), 10,
                                      format::RecordFormat::kCsv, {}, tree.root() / "cut.csv"));
}

TEST(SampleCut, CorruptDataInsideTheCutIsAnErrorNamingTheFile) {
  // A zstd frame whose block header is broken: the decompressor stops there, before the cut's end.
  TestTree tree;
  std::string rows;
  for (int i = 0; i < 20000; ++i) rows += std::to_string(i % 2) + ",1.5,2.5," + std::to_string(i) + "\n";
  std::string stored = sizing::compress(rows, StoredCompression::kZstd);
  stored.replace(stored.size() / 2, 64, 64, '\xff');
  tree.write("objects/broken.csv.zst", stored);
  const std::string path = (tree.root() / "objects/broken.csv.zst").string();
  try {
    (void)sizing::write_cut_file(path, stored.size() - 16, format::RecordFormat::kCsv, {},
                                 tree.root() / "cut.zst");
    FAIL() << "no error";
  } catch (const DataError& error) {
    EXPECT_THAT(error.what(), HasSubstr("broken.csv.zst: corrupt zstd data"));
    EXPECT_LT(error.offset(), stored.size() - 16);
  }
}

TEST(SampleCut, ARecordTheFramerRefusesIsAnErrorNamingTheFileAndOffset) {
  TestTree tree;
  std::string data(64, '\0');
  data.replace(0, 8, "notmagic");
  tree.write("objects/bad.rec", data + data);
  try {
    (void)sizing::write_cut_file((tree.root() / "objects/bad.rec").string(), 100,
                                 format::RecordFormat::kRecordIO, {}, tree.root() / "cut.rec");
    FAIL() << "no error";
  } catch (const DataError& error) {
    EXPECT_THAT(error.what(), HasSubstr("bad.rec: record at byte offset 0: "));
  }
}

TEST(SampleCut, DataThatCompressesVeryWellExpandsOnlySixteenTimesTheBytesLeft) {
  TestTree tree;
  std::string rows;
  while (rows.size() < (std::size_t{32} << 20)) rows += "0,0,0,0,0,0,0,0\n";
  const std::string stored = sizing::compress(rows, StoredCompression::kZstd);
  tree.write("objects/zeros.csv.zst", stored);
  const std::uint64_t left = stored.size() / 2;
  const auto cut = sizing::write_cut_file((tree.root() / "objects/zeros.csv.zst").string(), left,
                                          format::RecordFormat::kCsv, {}, tree.root() / "cut.csv.zst");
  ASSERT_TRUE(cut);
  EXPECT_GT(cut->bytes, 0U);
  // At most one decompressor chunk (1 MiB) past the limit, then cut back to a row's end.
  EXPECT_LE(cut->bytes, 16 * left + (std::uint64_t{1} << 20));
  EXPECT_LT(cut->bytes, rows.size() / 2);
}

TEST(BenchRun, AFileLargerThanTheSampleIsCutNotReadWhole) {
  TestTree tree;
  tree.write_config("inputdataconfig.json",
                    R"({"train": {"ContentType": "text/csv;label_size=1", "TrainingInputMode": "File"}})");
  sizing::SyntheticSpec spec;
  spec.rows = 20000;
  spec.columns = 9;
  spec.files = 1;
  spec.compression = StoredCompression::kGzip;
  const auto data = sizing::write_synthetic_channel(spec, tree.root() / "input/data/train");
  sizing::BenchConfig config;
  config.data = tree.root();
  config.max_threads = 1;
  config.sample_bytes = 64 << 10;
  config.repeat.min_seconds = 0.001;
  config.repeat.min_runs = 1;
  const TestTree work;
  config.work_dir = work.root();
  const auto report = sizing::run_bench(config, {}, [](const std::string&) {});
  EXPECT_EQ(report.files, 1U);
  ASSERT_EQ(report.cut_files.size(), 1U);
  EXPECT_EQ(report.cut_files[0], data.files[0]);
  EXPECT_LE(report.stored_bytes, config.sample_bytes);
  EXPECT_GT(report.records, 0U);
  EXPECT_LT(report.records, 20000U);
  EXPECT_EQ(report.compression, "detected");
  EXPECT_EQ(report.end_to_end.size(), 1U);
  EXPECT_THAT(sizing::report_table(report),
              HasSubstr("sample: the first complete records of " + data.files[0]));
}

TEST(ProgressLine, SilentWhenNotATerminal) {
  std::FILE* file = std::tmpfile();
  {
    cli::ProgressLine progress(file, true);
    EXPECT_FALSE(progress.active());
    progress.step("working");
  }
  EXPECT_EQ(std::ftell(file), 0);
  std::fclose(file);
}

TEST(ProgressLine, OnATerminalShowsTheStepAfterASecondAndClearsIt) {
  int master = -1;
  int slave = -1;
  ASSERT_EQ(::openpty(&master, &slave, nullptr, nullptr, nullptr), 0);
  std::FILE* terminal = ::fdopen(slave, "w");
  {
    cli::ProgressLine progress(terminal, true);
    EXPECT_TRUE(progress.active());
    progress.step("decode, 2 thread(s)");
    std::this_thread::sleep_for(
        std::chrono::milliseconds(1400));  // the ticker redraws after the first second
  }
  std::fclose(terminal);
  std::string shown;
  std::array<char, 4096> buffer{};
  ssize_t n = 0;
  while ((n = ::read(master, buffer.data(), buffer.size())) > 0)
    shown.append(buffer.data(), static_cast<std::size_t>(n));
  ::close(master);  // the loop ends with EIO: every writer of the terminal is gone
  EXPECT_THAT(shown, HasSubstr("[1] decode, 2 thread(s)"));
  EXPECT_THAT(shown, ::testing::EndsWith("\r\033[K"));  // cleared at the end
}

TEST(CliBench, JsonReportHasEveryStageAndTheSizing) {
  const auto result =
      run_command(kCli +
                  " bench --rows 3000 --columns 9 --threads 2 --min-seconds 0.01 --compression gzip "
                  "--gpus 2 --records-per-gpu-per-sec 1000 --json");
  ASSERT_EQ(result.status, 0) << result.output;
  const auto json = nlohmann::json::parse(result.output);
  for (const char* stage : {"read", "decompress", "frame", "decode", "end_to_end", "h2d"}) {
    EXPECT_TRUE(json["stages"].contains(stage)) << stage;
  }
  EXPECT_EQ(json["data"]["records"], 3000);
  EXPECT_EQ(json["sizing"]["target_records_per_second"], 2000.0);
  EXPECT_EQ(json["sizing"]["loaders_needed"], 1);
}

TEST(CliBench, BadDataIsAnErrorNamingTheFileAndLine) {
  TestTree tree;
  tree.write("data/a.csv", "1,2,3\n4,5\n");
  const auto result = run_command(kCli + " bench --data " + (tree.root() / "data").string() + " 2>&1");
  EXPECT_EQ(result.status, 1);
  EXPECT_THAT(result.output, HasSubstr("a.csv line 2: expected 3 fields, found 2"));
}

TEST(CliBench, RefusesAHalfGivenGpuTarget) {
  const auto result = run_command(kCli + " bench --gpus 4 2>&1");
  EXPECT_EQ(result.status, 1);
  EXPECT_THAT(result.output, HasSubstr("--gpus and --records-per-gpu-per-sec go together"));
}

}  // namespace
}  // namespace chanload
