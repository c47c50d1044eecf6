// ProgressBar tests: in-place TTY redraws, plain periodic lines for logs, rate/ETA/elapsed with
// an injected clock, unknown totals, live metrics, width limits and the formatting helpers.
#include <gtest/gtest.h>

#include <cmath>
#include <sstream>

#include "mica.h"

namespace mica::data {
namespace {

size_t count(const std::string& s, const std::string& what) {
  size_t n = 0;
  for (size_t p = s.find(what); p != std::string::npos; p = s.find(what, p + what.size())) ++n;
  return n;
}

struct FakeClock {
  double t = 100.0;  // any origin: the bar measures from its construction
  SecondsClock fn() {
    return [this] { return t; };
  }
};

TEST(Progress, TtyRedrawsInPlace) {
  std::ostringstream out;
  FakeClock clock;
  {
    ProgressBar bar(
        10,
        {.desc = "train", .stream = &out, .tty = 1, .ascii = 1, .width = 80, .clock = clock.fn()});
    EXPECT_TRUE(bar.is_tty());
    for (int i = 0; i < 10; ++i) {
      clock.t += 0.5;
      bar.update(1, {{"loss", 2.5 - 0.1 * i}});
    }
  }  // the destructor closes
  const std::string s = out.str();
  // One draw at construction, one per update (0.5 s apart > redraw_interval), one at close.
  EXPECT_EQ(count(s, "\r"), 12u);
  EXPECT_EQ(count(s, "\x1b[K"), 12u);
  EXPECT_EQ(count(s, "\n"), 1u);  // only the final line ends the row
  EXPECT_EQ(s.back(), '\n');
  const std::string last = s.substr(s.rfind('\r') + 1);
  EXPECT_NE(last.find("train: 100%|"), std::string::npos) << last;
  EXPECT_NE(last.find("10/10 [00:05<00:00, 2.00it/s, loss=1.6]"), std::string::npos) << last;
  EXPECT_NE(last.find("|##########"), std::string::npos) << last;
}

TEST(Progress, TtyRedrawIsThrottled) {
  std::ostringstream out;
  FakeClock clock;
  ProgressBar bar(1000, {.stream = &out, .tty = 1, .redraw_interval = 1.0, .clock = clock.fn()});
  for (int i = 0; i < 1000; ++i) {
    clock.t += 0.01;  // 10 s in all: about one redraw per second
    bar.update();
  }
  bar.close();
  const size_t draws = count(out.str(), "\r");
  EXPECT_GE(draws, 10u);
  EXPECT_LE(draws, 13u);
}

TEST(Progress, PlainLinesWithoutCarriageReturns) {
  std::ostringstream out;
  FakeClock clock;
  ProgressBar bar(100, {.desc = "eval", .stream = &out, .tty = 0, .clock = clock.fn()});
  EXPECT_FALSE(bar.is_tty());
  for (int i = 0; i < 100; ++i) {
    clock.t += 0.125;
    bar.update(1, {{"acc", 0.5}});
  }
  bar.close();
  const std::string s = out.str();
  EXPECT_EQ(s.find('\r'), std::string::npos);
  EXPECT_EQ(s.find('\x1b'), std::string::npos);
  // A line at every 10% (the final one is not repeated by close).
  EXPECT_EQ(count(s, "\n"), 10u) << s;
  EXPECT_NE(s.find("eval:  10%|"), std::string::npos) << s;
  EXPECT_NE(s.find("50/100 [00:06<00:06, 8.00it/s, acc=0.5]\n"), std::string::npos) << s;
  EXPECT_NE(s.find("100/100 [00:12<00:00"), std::string::npos) << s;
}

TEST(Progress, PlainLinesEveryIntervalForSlowWork) {
  std::ostringstream out;
  FakeClock clock;
  ProgressBar bar(1000, {.stream = &out, .tty = 0, .plain_interval = 30, .clock = clock.fn()});
  for (int i = 0; i < 20; ++i) {  // 20 steps of 10 s: 2% done, no percentage line yet
    clock.t += 10;
    bar.update();
  }
  // Lines at 30 s, 60 s, ..., 180 s.
  EXPECT_EQ(count(out.str(), "\n"), 6u) << out.str();
  EXPECT_NE(out.str().find("3/1000 [00:30<2:46:10, 10.0s/it]"), std::string::npos) << out.str();
}

TEST(Progress, RateElapsedAndEtaFromTheClock) {
  std::ostringstream out;
  FakeClock clock;
  ProgressBar bar(100, {.stream = &out, .tty = 0, .clock = clock.fn()});
  clock.t += 10;
  bar.update(25);
  EXPECT_NE(bar.line().find(" 25/100 [00:10<00:30, 2.50it/s]"), std::string::npos) << bar.line();
  clock.t += 3600;  // 3610 s for 25 steps: slower than a step per second
  EXPECT_NE(bar.line().find("[1:00:10<3:00:30, 144s/it]"), std::string::npos) << bar.line();
  EXPECT_NE(bar.line().find(" 25%|"), std::string::npos) << bar.line();
}

TEST(Progress, UnknownTotalShowsCountAndRate) {
  std::ostringstream out;
  FakeClock clock;
  ProgressBar bar(
      0, {.desc = "tokenize", .unit = "doc", .stream = &out, .tty = 0, .clock = clock.fn()});
  clock.t += 2;
  bar.update(7, {{"tokens", 1234567}});
  EXPECT_EQ(bar.line(), "tokenize: 7doc [00:02, 3.50doc/s, tokens=1.235e+06]");
  bar.close();
  EXPECT_EQ(out.str(), "tokenize: 7doc [00:02, 3.50doc/s, tokens=1.235e+06]\n");
}

TEST(Progress, MetricsMergeInOrder) {
  std::ostringstream out;
  FakeClock clock;
  ProgressBar bar(4, {.stream = &out, .tty = 0, .clock = clock.fn()});
  bar.update(1, {{"loss", 2.0}});
  bar.update(1, {{"acc", 0.25}});
  bar.set_metrics({{"loss", 1.5}, {"lr", 3e-4}});
  EXPECT_NE(bar.line().find("loss=1.5, acc=0.25, lr=0.0003]"), std::string::npos) << bar.line();
}

TEST(Progress, LineFitsTheWidth) {
  std::ostringstream out;
  FakeClock clock;
  for (int width : {40, 60, 120}) {
    ProgressBar bar(
        50,
        {.desc = "d", .stream = &out, .tty = 0, .ascii = 0, .width = width, .clock = clock.fn()});
    bar.update(20, {{"loss", 0.5}});
    const std::string line = bar.line();
    size_t cols = 0;  // code points (the Unicode bar cells are multi-byte)
    for (unsigned char c : line) cols += (c & 0xC0) != 0x80;
    EXPECT_LE(cols, static_cast<size_t>(width)) << line;
    EXPECT_NE(line.find("20/50"), std::string::npos) << line;
    if (width >= 60) {
      EXPECT_NE(line.find("█"), std::string::npos) << line;
    }
  }
  ProgressBar narrow(
      50,
      {.desc = "a long description", .stream = &out, .tty = 0, .width = 20, .clock = clock.fn()});
  EXPECT_LE(narrow.line().size(), 20u);
}

TEST(Progress, FormattingHelpers) {
  EXPECT_EQ(format_duration(0), "00:00");
  EXPECT_EQ(format_duration(59.9), "00:59");
  EXPECT_EQ(format_duration(61), "01:01");
  EXPECT_EQ(format_duration(3661), "1:01:01");
  EXPECT_EQ(format_duration(NAN), "?");
  EXPECT_EQ(format_rate(0), "?it/s");
  EXPECT_EQ(format_rate(2.5), "2.50it/s");
  EXPECT_EQ(format_rate(42.26), "42.3it/s");
  EXPECT_EQ(format_rate(1234.4), "1234it/s");
  EXPECT_EQ(format_rate(0.25, "img"), "4.00s/img");
  EXPECT_EQ(format_metric(2.3125), "2.312");
  EXPECT_EQ(format_metric(NAN), "nan");
  EXPECT_EQ(format_metric(-INFINITY), "-inf");
}

TEST(Progress, PrintKeepsTheBarIntact) {
  std::ostringstream tty, plain;
  FakeClock clock;
  ProgressBar a(4, {.stream = &tty, .tty = 1, .ascii = 1, .width = 60, .clock = clock.fn()});
  a.update(2);
  a.print("epoch 1 done");
  // The bar's row is cleared, the message gets its own line, the bar comes back under it.
  const std::string s = tty.str();
  const size_t msg = s.find("\r\x1b[Kepoch 1 done\n\r");
  ASSERT_NE(msg, std::string::npos) << s;
  EXPECT_NE(s.find("2/4", msg), std::string::npos);
  ProgressBar b(4, {.stream = &plain, .tty = 0, .clock = clock.fn()});
  b.print("hello");
  EXPECT_EQ(plain.str(), "hello\n");
}

TEST(Progress, RejectsBadUse) {
  std::ostringstream out;
  ProgressBar bar(3, {.stream = &out, .tty = 0});
  EXPECT_THROW(bar.update(-1), Error);
  EXPECT_THROW(ProgressBar(3, {.file = nullptr}), Error);
  bar.close();
  bar.update(1);  // after close: ignored, nothing drawn
  bar.close();
  EXPECT_EQ(count(out.str(), "\n"), 1u);
}

}  // namespace
}  // namespace mica::data
