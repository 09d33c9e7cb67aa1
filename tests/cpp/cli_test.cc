// The chanload command, run as a user runs it.
#include <chanload/loader_option_table.h>
#include <chanload/loader_options.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <vector>

#include "cli/shell_quote.h"
#include "format/crc32c.h"
#include "io/file_source.h"
#include "test_tree.h"

namespace chanload {
namespace {

using ::testing::HasSubstr;
using testing::run_command;
using testing::TestTree;

const std::string kCli = CHANLOAD_CLI_PATH;

TEST(ShellQuote, ReadsBackExactly) {
  EXPECT_EQ(cli::shell_quote("plain-word_1.2"), "plain-word_1.2");
  EXPECT_EQ(cli::shell_quote(""), "''");
  EXPECT_EQ(cli::shell_quote("it's"), "'it'\\''s'");
  for (const std::string text : {"a b", "it's \"q\"", "$HOME `x` \\n", "line\nbreak", "[64, 32]"}) {
    const auto result = run_command("printf %s " + cli::shell_quote(text));
    EXPECT_EQ(result.output, text);
  }
}

void write_job(const TestTree& tree) {
  tree.write_config("resourceconfig.json", R"({"current_host": "algo-1", "hosts": ["algo-1", "algo-2"]})");
  tree.write_config("hyperparameters.json",
                    R"({"name": "\"it's a \\\"test\\\"\"", "layers": "[64, 32]", "lr": "1e-5"})");
  tree.write_config("inputdataconfig.json", R"({"train": {"TrainingInputMode": "File"}})");
}

TEST(CliEnv, JsonFormatPrintsOneObject) {
  TestTree tree;
  write_job(tree);
  const auto result = run_command(kCli + " env --root " + tree.root().string());
  ASSERT_EQ(result.status, 0) << result.output;
  EXPECT_EQ(result.output.front(), '{');
  EXPECT_THAT(result.output, HasSubstr(R"("SM_HP_LR":"1e-05")"));
  EXPECT_THAT(result.output, HasSubstr(R"("SM_HOSTS":"[\"algo-1\",\"algo-2\"]")"));
}

TEST(CliEnv, EnvFormatEvaluatesInAPosixShell) {
  TestTree tree;
  write_job(tree);
  const auto result =
      run_command("sh -c 'eval \"$(" + kCli + " env --format env --root " + tree.root().string() +
                  ")\" && printf %s \"$SM_HP_NAME|$SM_HP_LAYERS|$SM_CURRENT_HOST\"'");
  ASSERT_EQ(result.status, 0) << result.output;
  EXPECT_EQ(result.output, "it's a \"test\"|[64,32]|algo-1");
}

TEST(CliEnv, EnvFormatLeavesOutHyperparameterNamesAShellWouldRun) {
  TestTree tree;
  write_job(tree);
  const std::filesystem::path marker = tree.root() / "injected";
  // The name reaches SM_HP_<NAME>: unquoted, the eval would run `touch <marker>`.
  const std::string name = "a;touch " + marker.string() + ";b";
  nlohmann::json hyperparameters = {{name, "1"}, {"valid_name", "2"}};
  tree.write_config("hyperparameters.json", hyperparameters.dump());
  const auto result = run_command("sh -c 'eval \"$(" + kCli + " env --format env --root " +
                                  tree.root().string() + ")\" && printf %s \"$SM_HP_VALID_NAME\"' 2>&1");
  ASSERT_EQ(result.status, 0) << result.output;
  EXPECT_FALSE(std::filesystem::exists(marker));
  EXPECT_THAT(result.output, HasSubstr("is not a shell variable name; left out"));
  EXPECT_THAT(result.output, ::testing::EndsWith("2"));
  EXPECT_TRUE(cli::is_shell_name("SM_HP_LR"));
  EXPECT_FALSE(cli::is_shell_name("SM_HP_A;B"));
  EXPECT_FALSE(cli::is_shell_name("1X"));
  EXPECT_FALSE(cli::is_shell_name(""));
}

TEST(CliEnv, ArgsFormatEvaluatesToTheArguments) {
  TestTree tree;
  write_job(tree);
  const auto result = run_command("sh -c 'eval \"set -- $(" + kCli + " env --format args --root " +
                                  tree.root().string() + ")\" && printf \"<%s>\" \"$@\"'");
  ASSERT_EQ(result.status, 0) << result.output;
  EXPECT_EQ(result.output, "<--layers><[64, 32]><--lr><1e-05><--name><it's a \"test\">");
}

TEST(CliEnv, MalformedConfigExitsNonZeroWithFileLineAndColumn) {
  TestTree tree;
  tree.write_config("resourceconfig.json", "{\"current_host\": \"a\",\n\"hosts\": [\"a\",]}");
  const auto result = run_command(kCli + " env --root " + tree.root().string() + " 2>&1");
  EXPECT_EQ(result.status, 1);
  EXPECT_THAT(result.output, HasSubstr("chanload: "));
  EXPECT_THAT(result.output,
              HasSubstr("resourceconfig.json: invalid JSON: Expecting value: line 2 column 15"));
}

TEST(CliEnv, RefusesAnUnknownFormat) {
  const auto result = run_command(kCli + " env --format yaml 2>&1");
  EXPECT_NE(result.status, 0);
  EXPECT_THAT(result.output, HasSubstr("--format"));
}

TEST(Cli, PrintsItsVersion) {
  const auto result = run_command(kCli + " --version");
  EXPECT_EQ(result.status, 0);
  EXPECT_THAT(result.output, HasSubstr("chanload 0."));
}

}  // namespace
}  // namespace chanload

namespace chanload {
namespace {

void channels(const testing::TestTree& tree) {
  tree.write_config("inputdataconfig.json",
                    R"({"train": {"TrainingInputMode": "File"}, "stream": {"TrainingInputMode": "Pipe"}})");
}

TEST(CliCat, FileModeWritesEveryFileOncePerEpoch) {
  testing::TestTree tree;
  channels(tree);
  tree.write("input/data/train/part-2", "b\n");
  tree.write("input/data/train/part-1", "a\n");
  for (const char* io : {"io_uring", "pread"}) {
    if (std::string(io) == "io_uring" && !io::io_uring_allowed()) continue;  // refused in this container
    const auto result = testing::run_command(kCli + " cat --channel train --epochs 2 --io " +
                                             std::string(io) + " --root " + tree.root().string());
    EXPECT_EQ(result.status, 0);
    EXPECT_EQ(result.output, "a\nb\na\nb\n") << io;
  }
}

TEST(CliCat, PipeFeedAndCatRoundTripSeveralEpochsGzipped) {
  testing::TestTree tree;
  channels(tree);
  tree.write("src/one.csv", "1,2,3\n");
  tree.write("src/two.csv", "4,5,6\n");
  const std::string root = tree.root().string();
  const auto result =
      testing::run_command(kCli + " pipe-feed --root " + root + " --channel stream --epochs 3 --gzip " +
                           root + "/src/one.csv " + root + "/src/two.csv & " + kCli +
                           " cat --channel stream --epochs 3 --pipe-timeout 20 --root " + root + "; wait");
  EXPECT_EQ(result.status, 0);
  EXPECT_EQ(result.output, "1,2,3\n4,5,6\n1,2,3\n4,5,6\n1,2,3\n4,5,6\n");
  EXPECT_FALSE(std::filesystem::exists(tree.root() / "input/data/stream_0"));  // the feeder removes its FIFOs
}

TEST(CliCat, NoWriterIsATimeoutErrorNamingTheFifo) {
  testing::TestTree tree;
  channels(tree);
  const auto result = testing::run_command(kCli + " cat --channel stream --pipe-timeout 0.2 --root " +
                                           tree.root().string() + " 2>&1");
  EXPECT_EQ(result.status, 1);
  EXPECT_THAT(result.output, HasSubstr("input/data/stream_0: the FIFO did not appear within 200 ms"));
}

TEST(CliCat, ReadingAFileChannelAsPipeIsRefused) {
  testing::TestTree tree;
  channels(tree);
  const auto result = testing::run_command(kCli + " cat --channel train --mode pipe --root " +
                                           tree.root().string() + " 2>&1");
  EXPECT_EQ(result.status, 1);
  EXPECT_THAT(result.output, HasSubstr("says TrainingInputMode \"File\"; refusing to read it in Pipe mode"));
}

TEST(CliCat, AReaderThatGoesAwayEndsQuietly) {
  testing::TestTree tree;
  channels(tree);
  tree.write("input/data/train/big", std::string(8 << 20, 'x'));
  const auto result = testing::run_command(kCli + " cat --channel train --epochs 0 --root " +
                                           tree.root().string() + " | head -c 5");
  EXPECT_THAT(result.output, HasSubstr("xxxxx"));
}

// Regression: a SIGTERM'd pipe-feed left its FIFO, and the next one failed "File exists".
TEST(CliPipeFeed, ASignalRemovesTheFifoItCreated) {
  testing::TestTree tree;
  tree.write("rows.csv", "1,2\n");
  const std::string root = tree.root().string();
  const std::filesystem::path fifo = tree.root() / "input/data/train_0";
  for (const char* signal_name : {"TERM", "INT"}) {
    const auto result = testing::run_command("(" + kCli + " pipe-feed --root " + root + " --channel train " +
                                             root + "/rows.csv & pid=$!; " + "for i in $(seq 100); do [ -p " +
                                             fifo.string() + " ] && break; sleep 0.05; done; kill -" +
                                             signal_name + " $pid; wait $pid; echo status=$?) 2>&1");
    EXPECT_THAT(result.output, HasSubstr("status=")) << signal_name;
    EXPECT_FALSE(std::filesystem::exists(fifo)) << signal_name << ": " << result.output;
  }
  // The next feeder can create it again.
  const auto again = testing::run_command(kCli + " pipe-feed --root " + root +
                                          " --channel train --timeout 0.2 " + root + "/rows.csv 2>&1");
  EXPECT_THAT(again.output, HasSubstr("no reader opened the FIFO within 200 ms"));
}

TEST(CliPipeFeed, RefusesAMissingInputFile) {
  testing::TestTree tree;
  const auto result = testing::run_command(kCli + " pipe-feed --root " + tree.root().string() +
                                           " --channel stream /nonexistent/file 2>&1");
  EXPECT_EQ(result.status, 1);
  EXPECT_THAT(result.output, HasSubstr("/nonexistent/file: not a readable file"));
}

}  // namespace
}  // namespace chanload

namespace chanload {
namespace {

TEST(CliRead, DecodesCsvWithTheContentTypesLabelSizeAndWritesNpy) {
  testing::TestTree tree;
  tree.write_config("inputdataconfig.json",
                    R"({"train": {"ContentType": "text/csv;label_size=1", "TrainingInputMode": "File"}})");
  tree.write("input/data/train/part-1.csv", "1,0.5,0.25\n0,1.5,2\n");
  tree.write("input/data/train/part-2.csv", "1,3,4");
  const std::string out = (tree.root() / "out").string();
  const auto result = testing::run_command(kCli + " read --channel train --stats --output " + out +
                                           " --root " + tree.root().string());
  ASSERT_EQ(result.status, 0) << result.output;
  EXPECT_THAT(result.output, HasSubstr("\"rows\":3"));
  EXPECT_THAT(result.output, HasSubstr("\"format\":\"csv\""));
  const auto header = testing::run_command("head -c 128 " + out + "/features.npy | tail -c +11");
  EXPECT_THAT(header.output, HasSubstr("'descr': '<f4', 'fortran_order': False, 'shape': (3, 2), }"));
  EXPECT_EQ(std::filesystem::file_size(out + "/features.npy"), 128U + 3 * 2 * 4);
  EXPECT_EQ(std::filesystem::file_size(out + "/labels.npy"), 128U + 3 * 4);
}

TEST(CliRead, Float64WritesF8NpyWithEveryDigitKept) {
  testing::TestTree tree;
  tree.write_config("inputdataconfig.json", R"({"train": {"ContentType": "text/csv;label_size=1"}})");
  tree.write("input/data/train/part-1.csv", "0.1,3.4e39,1e-310\n2,0.30000000000000004,5\n");
  const std::string out = (tree.root() / "out").string();
  const auto result = testing::run_command(kCli + " read --channel train --dtype float64 --stats --output " +
                                           out + " --root " + tree.root().string());
  ASSERT_EQ(result.status, 0) << result.output;
  EXPECT_THAT(result.output, HasSubstr("\"dtype\":\"float64\""));
  const auto header = testing::run_command("head -c 128 " + out + "/features.npy | tail -c +11");
  EXPECT_THAT(header.output, HasSubstr("'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), }"));
  const auto labels_header = testing::run_command("head -c 128 " + out + "/labels.npy | tail -c +11");
  EXPECT_THAT(labels_header.output, HasSubstr("'descr': '<f8', 'fortran_order': False, 'shape': (2, 1), }"));
  std::ifstream in(out + "/features.npy", std::ios::binary);
  in.seekg(128);
  std::vector<double> features(4);
  in.read(reinterpret_cast<char*>(features.data()), 4 * sizeof(double));
  ASSERT_TRUE(in);
  EXPECT_THAT(features, ::testing::ElementsAre(3.4e39, 1e-310, 0.30000000000000004, 5.0));
  EXPECT_EQ(std::filesystem::file_size(out + "/labels.npy"), 128U + 2 * 8);
}

TEST(CliRead, ABadDTypeIsRefusedNamingTheOption) {
  testing::TestTree tree;
  tree.write_config("inputdataconfig.json", R"({"train": {"ContentType": "text/csv"}})");
  const auto result = testing::run_command(kCli + " read --channel train --dtype float16 --root " +
                                           tree.root().string() + " 2>&1");
  EXPECT_NE(result.status, 0);
  EXPECT_THAT(result.output, HasSubstr("--dtype"));
  EXPECT_THAT(result.output, HasSubstr("float16"));
}

TEST(CliRead, ABadRowFailsWithFileAndLineOrIsCountedWhenSkipped) {
  testing::TestTree tree;
  tree.write_config("inputdataconfig.json",
                    R"({"train": {"ContentType": "text/csv", "TrainingInputMode": "File"}})");
  tree.write("input/data/train/a.csv", "1,2,3\n4,5\n6,7,8\n");
  const std::string root = tree.root().string();
  const auto failed = testing::run_command(kCli + " read --channel train --root " + root + " 2>&1");
  EXPECT_EQ(failed.status, 1);
  EXPECT_THAT(failed.output, HasSubstr("input/data/train/a.csv line 2: expected 3 fields, found 2"));
  const auto skipped =
      testing::run_command(kCli + " read --channel train --bad-records skip --stats --root " + root);
  EXPECT_EQ(skipped.status, 0);
  EXPECT_THAT(skipped.output, HasSubstr("\"bad_records\":1"));
  EXPECT_THAT(skipped.output, HasSubstr("\"rows\":2"));
}

std::string tfrecord_of(const std::string& data) {
  std::string out(12, '\0');
  const std::uint64_t length = data.size();
  std::memcpy(out.data(), &length, 8);
  const std::uint32_t length_crc = format::mask_crc(format::crc32c(out.data(), 8));
  std::memcpy(out.data() + 8, &length_crc, 4);
  const std::uint32_t data_crc = format::mask_crc(format::crc32c(data.data(), data.size()));
  out += data;
  out.append(reinterpret_cast<const char*>(&data_crc), 4);
  return out;
}

// Regression: a plain TFRecord file whose first record is 35615 bytes long begins 1f 8b and was
// refused as corrupt gzip.
TEST(CliRead, ATFRecordFileThatBeginsLikeGzipIsReadAsTFRecord) {
  testing::TestTree tree;
  tree.write_config("inputdataconfig.json", R"({"train": {"TrainingInputMode": "File"}})");
  tree.write("input/data/train/a.tfrecord", tfrecord_of(std::string(35615, 'a')) + tfrecord_of("second"));
  const auto result = testing::run_command(kCli + " read --channel train --format tfrecord --stats --root " +
                                           tree.root().string() + " 2>&1");
  ASSERT_EQ(result.status, 0) << result.output;
  EXPECT_THAT(result.output, HasSubstr("\"records\":2"));
}

// Regression: --max-record-bytes near 2^64 made a 12-byte TFRecord crash the process (SIGSEGV).
TEST(CliRead, AMaxRecordBytesNear2To64IsRefused) {
  testing::TestTree tree;
  tree.write_config("inputdataconfig.json", R"({"train": {"TrainingInputMode": "File"}})");
  std::string header(8, '\xff');
  header[0] = '\xfc';  // 2^64 - 4: length + 4 wraps to 0
  const std::uint32_t crc = format::mask_crc(format::crc32c(header.data(), 8));
  header.append(reinterpret_cast<const char*>(&crc), 4);
  tree.write("input/data/train/a.tfrecord", header);
  const auto result =
      testing::run_command(kCli +
                           " read --channel train --format tfrecord --max-record-bytes 18446744073709551615 "
                           "--root " +
                           tree.root().string() + " 2>&1");
  EXPECT_EQ(result.status, 1) << result.output;
  EXPECT_THAT(result.output, HasSubstr("max_record_bytes"));
  const auto bounded = testing::run_command(kCli +
                                            " read --channel train --format tfrecord --max-record-bytes "
                                            "1099511627776 --root " +
                                            tree.root().string() + " 2>&1");
  EXPECT_EQ(bounded.status, 1) << bounded.output;
  EXPECT_THAT(bounded.output, HasSubstr("exceeds max_record_bytes"));
}

// Regression: --resume /dev/zero grew to 1.7 GB; a FIFO there blocked for ever.
TEST(CliRead, AResumeStateThatIsNotARegularFileIsRefused) {
  testing::TestTree tree;
  tree.write_config("inputdataconfig.json", R"({"train": {"ContentType": "text/csv"}})");
  tree.write("input/data/train/a.csv", "1,2\n");
  const std::string fifo = (tree.root() / "state.fifo").string();
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  for (const std::string& state : {std::string("/dev/zero"), fifo}) {
    const auto result = testing::run_command("timeout 20 " + kCli + " read --channel train --resume " +
                                             state + " --root " + tree.root().string() + " 2>&1");
    EXPECT_EQ(result.status, 1) << result.output;
    EXPECT_THAT(result.output, HasSubstr(state + ": not a regular file"));
  }
}

// Regression: after a DataError --output left a valid-looking features.npy of the rows so far; an
// empty channel wrote nothing and left an older output in place.
TEST(CliRead, OutputIsInPlaceOnlyAfterSuccess) {
  testing::TestTree tree;
  tree.write_config("inputdataconfig.json", R"({"train": {"ContentType": "text/csv"}})");
  const std::string root = tree.root().string();
  const std::string out = (tree.root() / "out").string();
  tree.write("input/data/train/a.csv", "1,2\n3,4\n");
  const std::string read = kCli + " read --channel train --batch-size 1 --output " + out + " --root " + root;
  ASSERT_EQ(testing::run_command(read + " 2>&1").status, 0);
  EXPECT_EQ(std::filesystem::file_size(out + "/features.npy"), 128U + 4 * 4);

  std::string rows;
  for (int i = 0; i < 5000; ++i) rows += std::to_string(i) + ",1\n";
  tree.write("input/data/train/a.csv", rows + "x,y\n");
  const auto failed = testing::run_command(read + " 2>&1");
  EXPECT_EQ(failed.status, 1) << failed.output;
  for (const char* name : {"features.npy", "labels.npy", ".features.npy.partial", ".labels.npy.partial"})
    EXPECT_FALSE(std::filesystem::exists(out + "/" + name)) << name;

  tree.write("input/data/train/a.csv", "5,6\n");
  ASSERT_EQ(testing::run_command(read + " 2>&1").status, 0);
  std::filesystem::remove(tree.root() / "input/data/train/a.csv");
  const auto empty = testing::run_command(read + " 2>&1");
  ASSERT_EQ(empty.status, 0) << empty.output;
  EXPECT_EQ(std::filesystem::file_size(out + "/features.npy"), 128U);  // a header alone: shape (0, 0)
  const auto header = testing::run_command("head -c 128 " + out + "/features.npy");
  EXPECT_THAT(header.output, HasSubstr("'shape': (0, 0)"));
}

// Regression: after SIGINT or SIGTERM the .npy header was blank, and --save-state was not written.
TEST(CliRead, ASignalRemovesTheOutputAndSavesTheState) {
  testing::TestTree tree;
  tree.write_config("inputdataconfig.json",
                    R"({"train": {"ContentType": "text/csv", "TrainingInputMode": "Pipe"}})");
  tree.write("rows.csv", "1,2\n3,4\n");
  const std::string root = tree.root().string();
  const std::string out = (tree.root() / "out").string();
  const std::string state = (tree.root() / "state.json").string();
  // Epoch 0 is fed; the reader then waits for epoch 1's FIFO, and is signalled there.
  const auto result = testing::run_command(
      "(" + kCli + " pipe-feed --root " + root + " --channel train " + root + "/rows.csv & " + kCli +
      " read --channel train --epochs 2 --batch-size 1 --output " + out + " --save-state " + state +
      " --root " + root + " & pid=$!; sleep 3; kill -TERM $pid; wait $pid; echo status=$?) 2>&1");
  EXPECT_THAT(result.output, HasSubstr("stopped by SIGTERM after 2 batches; the output was removed"));
  EXPECT_THAT(result.output, HasSubstr("status=143"));
  EXPECT_FALSE(std::filesystem::exists(out + "/features.npy"));
  EXPECT_FALSE(std::filesystem::exists(out + "/.features.npy.partial"));
  // The outputs were removed, so the state is where the run began: nothing is lost on resume.
  const auto saved = LoaderState::from_json(testing::run_command("cat " + state).output);
  EXPECT_EQ(saved.epoch, 0U);
  EXPECT_EQ(saved.position, 0U);
  // Without --output the state is where it stopped.
  const auto measured = testing::run_command(
      "(" + kCli + " pipe-feed --root " + root + " --channel train " + root + "/rows.csv & " + kCli +
      " read --channel train --epochs 2 --batch-size 1 --save-state " + state + " --root " + root +
      " & pid=$!; sleep 3; kill -INT $pid; wait $pid; echo status=$?) 2>&1");
  EXPECT_THAT(measured.output, HasSubstr("status=130"));
  EXPECT_EQ(LoaderState::from_json(testing::run_command("cat " + state).output).epoch, 1U);
}

// Regression: --seed -1, 2^64 and 1e23 were clamped to the same seed, and --epochs -1 was 2^64-1.
TEST(CliRead, ANumberOutOfRangeIsRefusedNamingTheOption) {
  for (const std::string& option :
       {std::string("--seed -1"), std::string("--seed 18446744073709551616"), std::string("--seed 1e23"),
        std::string("--epochs -1"), std::string("--batch-size 2.5"), std::string("--max-batches 0x10")}) {
    const auto result =
        testing::run_command(kCli + " read --channel train --root /nonexistent " + option + " 2>&1");
    EXPECT_NE(result.status, 0) << option;
    EXPECT_THAT(result.output, HasSubstr("is not a whole number in 0..18446744073709551615")) << option;
    EXPECT_THAT(result.output, HasSubstr(option.substr(0, option.find(' ')))) << option;
  }
  const auto cat = testing::run_command(kCli + " cat --channel train --root /nonexistent --epochs -2 2>&1");
  EXPECT_THAT(cat.output, HasSubstr("--epochs: \"-2\" is not a whole number"));
}

// Regression: --drop-last silently won over --last-batch in the command and lost in Python.
TEST(CliRead, DropLastAndAnotherLastBatchAreRefusedAndModeTakesEitherCase) {
  testing::TestTree tree;
  tree.write_config("inputdataconfig.json", R"({"train": {"ContentType": "text/csv"}})");
  tree.write("input/data/train/a.csv", "1,2\n3,4\n5,6\n");
  const std::string read =
      kCli + " read --channel train --batch-size 2 --stats --root " + tree.root().string();
  const auto refused = testing::run_command(read + " --drop-last --last-batch pad 2>&1");
  EXPECT_EQ(refused.status, 1);
  EXPECT_THAT(refused.output, HasSubstr("drop_last: true contradicts last_batch \"pad\""));
  EXPECT_THAT(testing::run_command(read + " --drop-last").output, HasSubstr("\"rows\":2"));
  for (const char* mode : {"File", "file"})
    EXPECT_THAT(testing::run_command(read + " --mode " + mode).output, HasSubstr("\"rows\":3")) << mode;
  EXPECT_THAT(testing::run_command(read + " --memory-budget-bytes 2000000").output, HasSubstr("\"rows\":3"));
}

// The command's loader flags are registered from the one option table: every option is a flag
// spelled --name-with-dashes, flags take --no-, and the old spellings stay as aliases.
TEST(CliRead, EveryLoaderOptionIsAFlagFromTheOneTable) {
  const auto help = testing::run_command(kCli + " read --help");
  for (const LoaderOptionSpec& spec : loader_option_specs()) {
    EXPECT_THAT(help.output, HasSubstr(command_flag(spec.name))) << spec.name;
    if (!spec.default_text.empty() && spec.kind != LoaderOptionKind::kFlag) {
      EXPECT_THAT(help.output, HasSubstr("=" + std::string(spec.default_text))) << spec.name;
    }
  }
  testing::TestTree tree;
  tree.write_config("inputdataconfig.json", R"({"train": {"ContentType": "text/csv"}})");
  tree.write("input/data/train/a.csv", "1,2\n3,\n5,6\n");
  const std::string read =
      kCli + " read --channel train --batch-size 2 --stats --root " + tree.root().string();
  EXPECT_THAT(testing::run_command(read).output, HasSubstr("\"rows\":3"));  // the empty field is NaN
  for (const char* flag : {" --empty-is-error", " --no-empty-is-nan", " --empty-is-nan=false"}) {
    const auto refused = testing::run_command(read + flag + " 2>&1");
    EXPECT_EQ(refused.status, 1) << flag;
    EXPECT_THAT(refused.output, HasSubstr("a.csv line 2")) << flag;
  }
  const auto kept = testing::run_command(read + " --no-reshuffle-each-epoch --shuffle-window 4 --seed 1");
  EXPECT_THAT(kept.output, HasSubstr("\"reshuffle_each_epoch\":false"));
  const auto bad_choice = testing::run_command(read + " --bad-records ignore 2>&1");
  EXPECT_THAT(bad_choice.output, HasSubstr("--bad-records: \"ignore\" is not error, skip or warn"));
  const auto cat_help = testing::run_command(kCli + " cat --help");
  for (const char* flag : {"--epochs", "--mode", "--pipe-timeout", "--follow-links-outside-channel"})
    EXPECT_THAT(cat_help.output, HasSubstr(flag)) << flag;
}

TEST(CliRead, RawRecordsAsPayloadsAndOffsets) {
  testing::TestTree tree;
  tree.write_config("inputdataconfig.json",
                    R"({"text": {"ContentType": "text/plain", "TrainingInputMode": "File"}})");
  tree.write("input/data/text/a.txt", "alpha\nbe\n\ngamma");
  const std::string out = (tree.root() / "raw").string();
  const auto result =
      testing::run_command(kCli + " read --channel text --output " + out + " --root " + tree.root().string());
  ASSERT_EQ(result.status, 0) << result.output;
  const auto payloads = testing::run_command("cat " + out + "/payloads.bin");
  EXPECT_EQ(payloads.output, "alphabegamma");
  EXPECT_EQ(std::filesystem::file_size(out + "/offsets.npy"), 128U + 5 * 8);
}

TEST(CliRead, SavesAStateAndResumesFromIt) {
  testing::TestTree tree;
  tree.write_config("inputdataconfig.json", R"({"train": {"ContentType": "text/csv;label_size=1"}})");
  std::string text;
  for (int i = 0; i < 100; ++i) text += std::to_string(i) + "," + std::to_string(i) + "\n";
  tree.write("input/data/train/a.csv", text);
  const std::string base = kCli + " read --channel train --root " + tree.root().string() +
                           " --batch-size 10 --shuffle-window 30 --seed 3 --epochs 2 ";
  const std::string state = (tree.root() / "state.json").string();
  const auto whole = testing::run_command(base + "--output " + (tree.root() / "whole").string());
  ASSERT_EQ(whole.status, 0) << whole.output;
  const auto head = testing::run_command(base + "--max-batches 13 --save-state " + state + " --output " +
                                         (tree.root() / "head").string());
  ASSERT_EQ(head.status, 0) << head.output;
  const auto state_text = testing::run_command("cat " + state);
  EXPECT_THAT(state_text.output, HasSubstr("\"epoch\":1,\"position\":30,\"seed\":3"));
  const auto rest =
      testing::run_command(base + "--resume " + state + " --output " + (tree.root() / "rest").string());
  ASSERT_EQ(rest.status, 0) << rest.output;
  // The labels of the head and the rest, back to back, are the whole run's.
  const auto tail_bytes = [](const std::filesystem::path& npy) {
    return testing::run_command("tail -c +129 " + npy.string()).output;
  };
  EXPECT_EQ(tail_bytes(tree.root() / "head/labels.npy") + tail_bytes(tree.root() / "rest/labels.npy"),
            tail_bytes(tree.root() / "whole/labels.npy"));
}

// A CSV channel the platform wraps in RecordIO (RecordWrapperType, Pipe mode) is RecordIO on the
// wire: its records come out raw, split ones joined by --recordio-join. pipe-feed plays the platform.
TEST(CliRead, AWrappedCsvChannelIsRecordIOJoinedAsAsked) {
  const auto part = [](std::uint32_t cflag, const std::string& payload) {
    std::string bytes;
    const auto put = [&](std::uint32_t word) {
      for (int i = 0; i < 4; ++i) bytes.push_back(static_cast<char>((word >> (8 * i)) & 0xFFU));
    };
    put(0xCED7230AU);
    put((cflag << 29U) | static_cast<std::uint32_t>(payload.size()));
    bytes += payload;
    bytes.append((4 - payload.size() % 4) % 4, '\0');
    return bytes;
  };
  testing::TestTree tree;
  tree.write_config("inputdataconfig.json",
                    R"({"train": {"ContentType": "text/csv", "TrainingInputMode": "Pipe",
                                   "RecordWrapperType": "RecordIO"}})");
  tree.write("objects/a.rec", part(0, "1,2\n") + part(1, "3,") + part(3, "4\n"));
  const std::string root = tree.root().string();
  const std::string base = kCli + " pipe-feed --root " + root + " --channel train --timeout 60 " + root +
                           "/objects/a.rec & " + kCli +
                           " read --channel train --pipe-timeout 60 --stats --root " + root + " --output ";
  const auto aws =
      testing::run_command(base + (tree.root() / "aws").string() + "; status=$?; wait; exit $status");
  ASSERT_EQ(aws.status, 0) << aws.output;
  EXPECT_THAT(aws.output, HasSubstr("\"format\":\"recordio\""));
  EXPECT_EQ(testing::run_command("cat " + (tree.root() / "aws/payloads.bin").string()).output, "1,2\n3,4\n");
  const auto dmlc = testing::run_command(base + (tree.root() / "dmlc").string() +
                                         " --recordio-join dmlc; status=$?; wait; exit $status");
  ASSERT_EQ(dmlc.status, 0) << dmlc.output;
  EXPECT_EQ(testing::run_command("cat " + (tree.root() / "dmlc/payloads.bin").string()).output,
            std::string("1,2\n3,\x0A\x23\xD7\xCE"
                        "4\n"));
  const auto refused =
      testing::run_command(kCli + " read --channel train --root " + root + " --recordio-join mxnet 2>&1");
  EXPECT_NE(refused.status, 0);
  EXPECT_THAT(refused.output, HasSubstr("--recordio-join"));
}

// The .npy files hold the batches as delivered, padding included; the stats tell rows from padding.
TEST(CliRead, PaddedLastBatchIsWrittenAndCountedApart) {
  testing::TestTree tree;
  tree.write_config("inputdataconfig.json", R"({"train": {"ContentType": "text/csv;label_size=1"}})");
  tree.write("input/data/train/a.csv", "1,2\n3,4\n5,6\n");
  const std::string out = (tree.root() / "out").string();
  const auto result =
      testing::run_command(kCli + " read --channel train --stats --batch-size 2 --last-batch pad" +
                           " --output " + out + " --root " + tree.root().string());
  ASSERT_EQ(result.status, 0) << result.output;
  EXPECT_THAT(result.output, HasSubstr("\"padding_rows\":1,"));
  EXPECT_THAT(result.output, HasSubstr("\"rows\":3,"));
  EXPECT_EQ(std::filesystem::file_size(out + "/features.npy"), 128U + 4 * 4);
}

TEST(CliRead, TheQuoteCharacterIsAnOption) {
  testing::TestTree tree;
  tree.write_config("inputdataconfig.json", R"({"train": {"ContentType": "text/csv;label_size=1"}})");
  tree.write("input/data/train/a.csv", "'1',' 2.5'\n3,'4'\n");
  const auto result = testing::run_command(kCli + " read --channel train --stats --quote \"'\" --root " +
                                           tree.root().string());
  ASSERT_EQ(result.status, 0) << result.output;
  EXPECT_THAT(result.output, HasSubstr("\"rows\":2"));
  const auto wrong =
      testing::run_command(kCli + " read --channel train --root " + tree.root().string() + " 2>&1");
  EXPECT_EQ(wrong.status, 1);
  EXPECT_THAT(wrong.output, HasSubstr("a.csv line 1: field 1: \"'1'\" is not a number"));
}

TEST(CliRead, AChannelWithoutAContentTypeNeedsAFormat) {
  testing::TestTree tree;
  tree.write_config("inputdataconfig.json", R"({"train": {"TrainingInputMode": "File"}})");
  const auto result =
      testing::run_command(kCli + " read --channel train --root " + tree.root().string() + " 2>&1");
  EXPECT_EQ(result.status, 1);
  EXPECT_THAT(result.output, HasSubstr("does not say the record format"));
}

}  // namespace
}  // namespace chanload
