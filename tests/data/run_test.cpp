// Run folder and report tests: the folder's files, a report.html that embeds (as data URIs)
// exactly the plots and sample images it names, regeneration from the folder alone, unique
// timestamp names, resumed runs, escaping, base64 and bad input.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "mica.h"

namespace mica::data {
namespace {

namespace fs = std::filesystem;

fs::path scratch_root(const std::string& name) {
  const fs::path dir =
      fs::temp_directory_path() / ("mica_run_test_" + std::to_string(::getpid())) / name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

size_t count(const std::string& s, const std::string& what) {
  size_t n = 0;
  for (size_t p = s.find(what); p != std::string::npos; p = s.find(what, p + what.size())) ++n;
  return n;
}

Tensor checker(int64_t n) {  // [n, 8, 8] uint8 sample images
  Tensor t = zeros({n, 8, 8}, kUInt8);
  uint8_t* p = t.data_ptr<uint8_t>();
  for (int64_t i = 0; i < n * 64; ++i) p[i] = ((i / 8 + i % 8 + i / 64) % 2) ? 255 : 30;
  return t;
}

TEST(Run, FolderAndReportHoldWhatTheyName) {
  const fs::path root = scratch_root("a");
  data::Run run({.root = root.string(), .name = "vae-small", .title = "VAE <small> run"});
  EXPECT_EQ(run.dir(), root / "vae-small");
  run.save_config({{"lr", 3e-4}, {"batch_size", 64}, {"model", "vae"}, {"amp", false}});
  for (int step = 1; step <= 30; ++step) run.log(step, {{"loss", 3.0 / step}, {"kl", 0.1 * step}});
  const fs::path grid = run.save_image("samples-step30", make_grid(checker(6), 3));
  const fs::path plot = run.plot_metrics("losses", {"loss", "kl"}, {.log_y = true});
  run.add_section("Notes",
                  "First line <b>not bold</b>\nsecond line\n\nNew paragraph & more.\n```\n"
                  "  a   b\n\n  1 < 2\n```\nafter");
  const fs::path report = run.write_report();

  EXPECT_EQ(report, run.dir() / "report.html");
  for (const char* f : {"config.json", "metrics.jsonl", "run.json", "notes.json", "report.html",
                        "samples/samples-step30.png", "plots/losses.png", "plots/metric-loss.png",
                        "plots/metric-kl.png"})
    EXPECT_TRUE(fs::exists(run.dir() / f)) << f;
  EXPECT_EQ(grid, run.dir() / "samples" / "samples-step30.png");
  EXPECT_EQ(plot, run.dir() / "plots" / "losses.png");
  for (const auto& e : fs::recursive_directory_iterator(run.dir()))
    EXPECT_NE(e.path().extension(), ".tmp") << e.path();  // atomic writes leave no temp files

  const std::string html = slurp(report);
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_NE(html.find("scripts/check_report.sh"), std::string::npos);
  EXPECT_NE(html.find("<h1>VAE &lt;small&gt; run</h1>"), std::string::npos);
  // Every image is embedded, and each file it names is the one embedded under that name.
  EXPECT_EQ(count(html, "src=\"data:image/png;base64,"), 4u);
  for (const char* f : {"plots/losses.png", "plots/metric-loss.png", "plots/metric-kl.png",
                        "samples/samples-step30.png"}) {
    const fs::path p = run.dir() / f;
    const std::string tag = "data-file=\"" + p.filename().string() +
                            "\" src=\"data:image/png;base64," + base64_encode(slurp(p)) + "\"";
    EXPECT_EQ(count(html, tag), 1u) << f;
    EXPECT_NE(html.find("<figcaption>" + p.stem().string() + "</figcaption>"), std::string::npos);
  }
  EXPECT_EQ(html.find("src=\"http"), std::string::npos);  // self-contained
  EXPECT_EQ(html.find("<link"), std::string::npos);
  // Config table, final metrics, free text (escaped, paragraphs).
  EXPECT_NE(html.find("<td><code>batch_size</code></td><td>64</td>"), std::string::npos);
  EXPECT_NE(html.find("<td><code>model</code></td><td>vae</td>"), std::string::npos);
  EXPECT_NE(html.find("<td><code>amp</code></td><td>false</td>"), std::string::npos);
  EXPECT_NE(html.find("<td><code>loss</code></td><td class=\"num\">0.1</td>"
                      "<td class=\"num\">30</td>"),
            std::string::npos);
  EXPECT_NE(html.find("30 records"), std::string::npos);
  EXPECT_NE(html.find("<p>First line &lt;b&gt;not bold&lt;/b&gt;<br>\nsecond line</p>"),
            std::string::npos);
  EXPECT_NE(html.find("<p>New paragraph &amp; more.</p>"), std::string::npos);
  // Lines between ``` fences keep their spacing and blank lines, escaped, in <pre>.
  EXPECT_NE(html.find("<pre>  a   b\n\n  1 &lt; 2\n</pre>\n<p>after</p>"), std::string::npos);
  // Section order: config, final metrics, plots, samples, notes.
  const size_t c = html.find("<h2>Config"), m = html.find("<h2>Final metrics"),
               p = html.find("<h2>Plots"), s = html.find("<h2>Samples"), n = html.find("<h2>Notes");
  EXPECT_TRUE(c < m && m < p && p < s && s < n && n != std::string::npos);
}

TEST(Run, ReportRegeneratesFromTheFolderAlone) {
  const fs::path root = scratch_root("b");
  fs::path dir;
  {
    data::Run run({.root = root.string(), .name = "r1"});
    dir = run.dir();
    run.log(1, {{"acc", 0.5}});
    run.log(2, {{"acc", 0.75}});
  }
  {
    std::ofstream(dir / "notes.json")
        << "[{\"title\": \"Hand-written\", \"text\": \"caf\\u00e9\"}]";
  }
  const fs::path report = write_report(dir, {.auto_plots = false});
  const std::string html = slurp(report);
  EXPECT_NE(html.find("<h2>Hand-written</h2>"), std::string::npos);
  EXPECT_NE(html.find("caf\xc3\xa9"), std::string::npos);
  EXPECT_NE(html.find("No config.json"), std::string::npos);
  EXPECT_EQ(html.find("<h2>Plots"), std::string::npos);  // none made, none asked for
  EXPECT_NE(html.find(">0.75<"), std::string::npos);
  // Resuming the named run appends, and a new section with the same title replaces the old.
  {
    data::Run again({.root = root.string(), .name = "r1"});
    again.log(3, {{"acc", 0.875}});
    again.add_section("Hand-written", "v2");
    again.add_section("Hand-written", "v3");
  }
  EXPECT_EQ(read_metrics((dir / "metrics.jsonl").string()).size(), 3u);
  const std::string html2 = slurp(write_report(dir));
  EXPECT_EQ(count(html2, "<h2>Hand-written</h2>"), 1u);
  EXPECT_NE(html2.find("<p>v3</p>"), std::string::npos);
  EXPECT_NE(html2.find("metric-acc.png"), std::string::npos);
}

TEST(Run, TimestampNamesAreUnique) {
  const fs::path root = scratch_root("c");
  data::Run a({.root = root.string()});
  data::Run b({.root = root.string()});
  EXPECT_NE(a.dir(), b.dir());
  EXPECT_EQ(a.name().size(), 15u);  // 20250314-093012
  EXPECT_EQ(a.name()[8], '-');
  EXPECT_TRUE(fs::is_directory(a.dir()) && fs::is_directory(b.dir()));
}

TEST(Run, BadNamesAndFilesAreRejected) {
  const fs::path root = scratch_root("d");
  EXPECT_THROW(data::Run({.root = root.string(), .name = "../escape"}), Error);
  EXPECT_THROW(data::Run({.root = root.string(), .name = ".hidden"}), Error);
  data::Run run({.root = root.string(), .name = "ok"});
  EXPECT_THROW(run.save_image("a/b", checker(1).select(0, 0)), Error);
  EXPECT_THROW(run.save_image("f", zeros({4, 4}, kFloat32)), Error);
  EXPECT_THROW(run.plot_metrics("p", {}), Error);
  std::ofstream(run.dir() / "config.json") << "{\"lr\": 0.1,";
  try {
    run.write_report();
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("config.json"), std::string::npos) << e.what();
  }
  std::ofstream(run.dir() / "config.json") << "{\"lr\": 0.1, \"layers\": [1, {\"a\": null}]}";
  EXPECT_NO_THROW(run.write_report());  // nested values are shown as JSON text
  EXPECT_NE(slurp(run.dir() / "report.html").find("[1, {&quot;a&quot;: null}]"), std::string::npos);
  fs::create_directories(run.dir() / "plots");
  std::ofstream(run.dir() / "plots" / "fake.png") << "not a png";
  EXPECT_THROW(run.write_report(), Error);
}

TEST(Run, Base64MatchesRfc4648Vectors) {
  EXPECT_EQ(base64_encode(""), "");
  EXPECT_EQ(base64_encode("f"), "Zg==");
  EXPECT_EQ(base64_encode("fo"), "Zm8=");
  EXPECT_EQ(base64_encode("foo"), "Zm9v");
  EXPECT_EQ(base64_encode("foob"), "Zm9vYg==");
  EXPECT_EQ(base64_encode("fooba"), "Zm9vYmE=");
  EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(base64_encode(std::string("\xff\xfe\x00", 3)), "//4A");
}

}  // namespace
}  // namespace mica::data
