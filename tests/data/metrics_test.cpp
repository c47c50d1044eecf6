// MetricsLogger tests: JSON Lines and CSV round trips, per-record flushing, CSV columns that
// appear later, resuming, NaN handling, crash-truncated last lines and malformed files.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "data/metrics_json.h"
#include "mica.h"

namespace mica::data {
namespace {

namespace fs = std::filesystem;

fs::path scratch(const std::string& name) {
  const fs::path dir =
      fs::temp_directory_path() / ("mica_metrics_test_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  fs::remove(dir / name);
  return dir / name;
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct FakeClock {
  double t = 50.0;
  SecondsClock fn() {
    return [this] { return t; };
  }
};

TEST(Metrics, JsonLinesRoundTrip) {
  const auto path = scratch("m.jsonl");
  FakeClock clock;
  MetricsLogger log(path.string(), {.clock = clock.fn()});
  EXPECT_EQ(log.format(), MetricsFormat::kJsonl);
  clock.t += 0.5;
  log.log(1, {{"loss", 2.25}, {"lr", 1e-3}});
  clock.t += 1.25;
  log.log(2, {{"loss", 1.5}, {"grad_norm", NAN}});
  // Flushed already: readable while the logger is still open.
  EXPECT_EQ(slurp(path),
            "{\"step\": 1, \"time\": 0.5, \"loss\": 2.25, \"lr\": 0.001}\n"
            "{\"step\": 2, \"time\": 1.75, \"loss\": 1.5, \"grad_norm\": null}\n");
  const auto r = read_metrics(path.string());
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].step, 1);
  EXPECT_DOUBLE_EQ(r[0].time, 0.5);
  ASSERT_EQ(r[0].values.size(), 2u);
  EXPECT_EQ(r[0].values[0].first, "loss");
  EXPECT_DOUBLE_EQ(r[0].get("loss"), 2.25);
  EXPECT_DOUBLE_EQ(r[0].get("lr"), 1e-3);
  EXPECT_TRUE(std::isnan(r[0].get("grad_norm")));
  EXPECT_FALSE(r[0].has("grad_norm"));
  EXPECT_TRUE(r[1].has("grad_norm"));
  EXPECT_TRUE(std::isnan(r[1].get("grad_norm")));
  EXPECT_EQ(metric_names(r), (std::vector<std::string>{"loss", "lr", "grad_norm"}));
}

TEST(Metrics, ExactValuesSurviveTheTrip) {
  const auto path = scratch("exact.jsonl");
  const double values[] = {0.1, 1.0 / 3, 6.02214076e23, -2.5e-300, 123456789.0};
  {
    MetricsLogger log(path.string());
    for (int i = 0; i < 5; ++i) log.log(int64_t{1} << (10 * i), {{"v", values[i]}});
  }
  const auto r = read_metrics(path.string());
  ASSERT_EQ(r.size(), 5u);
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(r[i].get("v"), values[i]);  // bit-exact: shortest round-trip decimals
    EXPECT_EQ(r[i].step, int64_t{1} << (10 * i));
  }
}

TEST(Metrics, CsvRoundTripWithLateColumns) {
  const auto path = scratch("m.csv");
  FakeClock clock;
  {
    MetricsLogger log(path.string(), {.clock = clock.fn()});
    EXPECT_EQ(log.format(), MetricsFormat::kCsv);
    log.log(0, {{"loss", 3.0}});
    clock.t += 2;
    log.log(10, {{"loss", 2.0}, {"val, acc", 0.5}});  // a new column, with a comma
    clock.t += 2;
    log.log(20, {{"val, acc", INFINITY}});
  }
  EXPECT_EQ(slurp(path),
            "step,time,loss,\"val, acc\"\n"
            "0,0,3,\n"
            "10,2,2,0.5\n"
            "20,4,,inf\n");
  EXPECT_FALSE(fs::exists(path.string() + ".tmp"));
  const auto r = read_metrics(path.string());
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[1].step, 10);
  EXPECT_DOUBLE_EQ(r[1].time, 2);
  EXPECT_DOUBLE_EQ(r[1].get("val, acc"), 0.5);
  EXPECT_FALSE(r[0].has("val, acc"));
  EXPECT_FALSE(r[2].has("loss"));
  EXPECT_TRUE(std::isinf(r[2].get("val, acc")));
}

TEST(Metrics, AppendResumesWallTime) {
  for (const char* name : {"resume.jsonl", "resume.csv"}) {
    const auto path = scratch(name);
    FakeClock clock;
    {
      MetricsLogger log(path.string(), {.clock = clock.fn()});
      clock.t += 7;
      log.log(100, {{"loss", 1.0}});
    }
    {
      MetricsLogger log(path.string(), {.append = true, .clock = clock.fn()});
      clock.t += 3;
      log.log(101, {{"loss", 0.5}, {"acc", 0.9}});
    }
    const auto r = read_metrics(path.string());
    ASSERT_EQ(r.size(), 2u) << name;
    EXPECT_DOUBLE_EQ(r[1].time, 10) << name;
    EXPECT_DOUBLE_EQ(r[1].get("acc"), 0.9) << name;
    // Without append the file starts over.
    MetricsLogger fresh(path.string(), {.clock = clock.fn()});
    fresh.log(0, {{"loss", 9.0}});
    EXPECT_EQ(read_metrics(path.string()).size(), 1u) << name;
  }
}

TEST(Metrics, UnfinishedLastLineIsSkippedAndRepairedOnAppend) {
  const auto path = scratch("crash.jsonl");
  std::ofstream(path) << "{\"step\": 1, \"time\": 0.5, \"loss\": 2}\n{\"step\": 2, \"ti";
  const auto r = read_metrics(path.string());
  ASSERT_EQ(r.size(), 1u);
  {
    MetricsLogger log(path.string(), {.append = true});
    log.log(2, {{"loss", 1.0}});
  }
  const auto again = read_metrics(path.string());
  ASSERT_EQ(again.size(), 2u);
  EXPECT_EQ(again[1].step, 2);
}

TEST(Metrics, MalformedFilesAreRejectedWithLineNumbers) {
  const auto bad = scratch("bad.jsonl");
  std::ofstream(bad) << "{\"step\": 1, \"time\": 0}\n{\"step\": 2, \"time\": 1, \"loss\": }\n"
                     << "{\"step\": 3, \"time\": 2}\n";
  try {
    read_metrics(bad.string());
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("bad.jsonl:2"), std::string::npos) << e.what();
  }
  const auto words = scratch("words.jsonl");
  std::ofstream(words) << "{\"step\": 1, \"time\": 0, \"loss\": \"low\"}\n";
  EXPECT_THROW(read_metrics(words.string()), Error);
  const auto nostep = scratch("nostep.jsonl");
  std::ofstream(nostep) << "{\"time\": 0, \"loss\": 1}\n";
  EXPECT_THROW(read_metrics(nostep.string()), Error);
  const auto fraction = scratch("fraction.jsonl");
  std::ofstream(fraction) << "{\"step\": 1.5, \"time\": 0}\n";
  EXPECT_THROW(read_metrics(fraction.string()), Error);
  const auto csv = scratch("bad.csv");
  std::ofstream(csv) << "step,time,loss\n1,0,2\n2,1\n";
  try {
    read_metrics(csv.string());
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("bad.csv:3"), std::string::npos) << e.what();
  }
  const auto header = scratch("header.csv");
  std::ofstream(header) << "epoch,loss\n1,2\n";
  EXPECT_THROW(read_metrics(header.string()), Error);
  EXPECT_THROW(read_metrics(scratch("missing.jsonl").string()), Error);
}

TEST(Metrics, JsonParserRejectsEveryTruncationCleanly) {
  const std::string good =
      "{\"a\": [1, {\"b\": null}], \"s\": \"x\\u00e9\\ud83d\\ude00\\n\", \"n\": -1.5e+3, "
      "\"t\": true}";
  const json::Object o = json::parse_object(good, "test");
  ASSERT_EQ(o.size(), 4u);
  EXPECT_EQ(o[0].second.kind, json::Value::kRaw);
  EXPECT_EQ(o[0].second.text, "[1, {\"b\": null}]");
  EXPECT_EQ(o[1].second.text, "x\xc3\xa9\xf0\x9f\x98\x80\n");  // e-acute, an emoji, a newline
  EXPECT_DOUBLE_EQ(o[2].second.number, -1500);
  EXPECT_TRUE(o[3].second.boolean);
  // Every proper prefix is malformed: each must throw mica::Error (never crash or over-read).
  for (size_t n = 0; n < good.size(); ++n)
    EXPECT_THROW(json::parse_object(good.substr(0, n), "test"), Error) << n;
  for (const char* bad : {"{\"a\": 01}", "{\"a\": 1,}", "{'a': 1}", "{\"a\": 1} x",
                          "{\"a\": \"\\x\"}", "{\"a\": tru}", "{\"a\": -}", "{\"a\": 1.}", "[1]"})
    EXPECT_THROW(json::parse_object(bad, "test"), Error) << bad;
  std::string deep;  // nesting far past the parser's depth limit: an error, not a stack overflow
  for (int i = 0; i < 10000; ++i) deep += "{\"a\": ";
  EXPECT_THROW(json::parse_object(deep, "test"), Error);
  EXPECT_THROW(
      json::parse_object("{\"a\": " + std::string(100, '[') + std::string(100, ']') + "}", "test"),
      Error);
}

TEST(Metrics, SniffsFormatWithoutExtension) {
  const auto j = scratch("log_a");
  std::ofstream(j) << "{\"step\": 4, \"time\": 1, \"x\": 2}\n";
  EXPECT_EQ(read_metrics(j.string())[0].step, 4);
  const auto c = scratch("log_b");
  std::ofstream(c) << "step,time,x\n5,1,2\n";
  EXPECT_EQ(read_metrics(c.string())[0].step, 5);
}

TEST(Metrics, ReservedAndEmptyNamesAreRejected) {
  MetricsLogger log(scratch("names.jsonl").string());
  EXPECT_THROW(log.log(1, {{"step", 1.0}}), Error);
  EXPECT_THROW(log.log(1, {{"time", 1.0}}), Error);
  EXPECT_THROW(log.log(1, {{"", 1.0}}), Error);
  EXPECT_THROW(log.log(1, {{"a\nb", 1.0}}), Error);
  log.log(1, {{"ok \"quoted\" \\ name", 1.0}});
  const auto r = read_metrics(log.path());
  ASSERT_EQ(r.size(), 1u);
  EXPECT_TRUE(r[0].has("ok \"quoted\" \\ name"));
}

}  // namespace
}  // namespace mica::data
