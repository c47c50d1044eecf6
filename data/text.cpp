// Whole-file reads, atomic writes, and the fortunes corpus reader.
#include "data/text.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <system_error>

#include "tensor/error.h"

namespace mica::data {

namespace fs = std::filesystem;

std::string read_file(const std::string& path) {
  std::error_code ec;
  const fs::file_status st = fs::status(path, ec);
  MICA_CHECK(!ec && fs::exists(st), "read_file: file not found: ", path);
  MICA_CHECK(fs::is_regular_file(st), "read_file: ", path, " is not a regular file");
  std::ifstream in(path, std::ios::binary);
  MICA_CHECK(in.good(), "read_file: cannot open ", path, ": ", std::strerror(errno));
  std::string bytes;
  char buf[1 << 16];
  while (in) {
    in.read(buf, sizeof buf);
    bytes.append(buf, static_cast<size_t>(in.gcount()));
  }
  MICA_CHECK(in.eof() && !in.bad(), "read_file: error while reading ", path);
  return bytes;
}

std::string read_text_file(const std::string& path) {
  return read_file(path);
}

std::vector<std::string> read_lines(const std::string& path) {
  const std::string text = read_file(path);
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    size_t stop = end;
    if (stop > start && text[stop - 1] == '\r') --stop;
    lines.emplace_back(text, start, stop - start);
    start = end + 1;
  }
  return lines;
}

void write_file(const std::string& path, std::string_view bytes) {
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  std::FILE* f = std::fopen(tmp.c_str(), "wb");
  MICA_CHECK(f != nullptr, "write_file: cannot create ", tmp, ": ", std::strerror(errno));
  const size_t wrote = bytes.empty() ? 0 : std::fwrite(bytes.data(), 1, bytes.size(), f);
  const bool ok = wrote == bytes.size() && std::fflush(f) == 0;
  const int err = errno;
  const bool closed = std::fclose(f) == 0;
  if (!ok || !closed) {
    std::remove(tmp.c_str());
    MICA_FAIL("write_file: cannot write ", path, ": ", std::strerror(err));
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) {
    std::remove(tmp.c_str());
    MICA_FAIL("write_file: cannot rename ", tmp, " to ", path, ": ", ec.message());
  }
}

void write_text_file(const std::string& path, std::string_view text) {
  write_file(path, text);
}

std::vector<std::string> parse_fortunes(std::string_view text) {
  std::vector<std::string> entries;
  std::string cur;
  auto flush = [&] {
    while (!cur.empty() && cur.back() == '\n') cur.pop_back();
    const bool blank = std::all_of(cur.begin(), cur.end(), [](char c) {
      return c == ' ' || c == '\t' || c == '\n' || c == '\r';
    });
    if (!blank) entries.push_back(cur);
    cur.clear();
  };
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    const bool has_newline = end != std::string_view::npos;
    if (!has_newline) end = text.size();
    std::string_view line = text.substr(start, end - start);
    if (line == "%" || line == "%\r") {
      flush();
    } else {
      cur.append(line);
      if (has_newline) cur.push_back('\n');
    }
    start = end + 1;
  }
  flush();
  return entries;
}

std::string format_fortunes(const std::vector<std::string>& entries) {
  std::string out;
  for (const std::string& e : entries) {
    out += e;
    out += "\n%\n";
  }
  return out;
}

namespace {
constexpr const char* kInstallHint = "; install Debian's package: apt-get install fortunes";

bool is_category_file(const fs::directory_entry& e) {
  std::error_code ec;
  if (e.is_symlink(ec) || !e.is_regular_file(ec)) return false;
  const std::string name = e.path().filename().string();
  const std::string ext = e.path().extension().string();
  return !name.empty() && name[0] != '.' && ext != ".dat" && ext != ".u8";
}
}  // namespace

std::vector<std::string> fortune_categories(const std::string& dir) {
  std::error_code ec;
  MICA_CHECK(fs::is_directory(dir, ec), "load_fortunes: directory ", dir, " not found",
             kInstallHint);
  std::vector<std::string> names;
  for (const fs::directory_entry& e : fs::directory_iterator(dir, ec))
    if (is_category_file(e)) names.push_back(e.path().filename().string());
  MICA_CHECK(!ec, "load_fortunes: cannot list ", dir, ": ", ec.message());
  std::sort(names.begin(), names.end());
  return names;
}

std::vector<Fortune> load_fortunes(const std::string& dir, const std::vector<std::string>& only) {
  std::vector<std::string> cats = fortune_categories(dir);
  MICA_CHECK(!cats.empty(), "load_fortunes: no fortune files in ", dir, kInstallHint);
  if (!only.empty()) {
    for (const std::string& c : only)
      MICA_CHECK(std::find(cats.begin(), cats.end(), c) != cats.end(), "load_fortunes: category '",
                 c, "' not found in ", dir);
    cats = only;
  }
  std::vector<Fortune> out;
  for (const std::string& c : cats)
    for (std::string& e : parse_fortunes(read_file((fs::path(dir) / c).string())))
      out.push_back({std::move(e), c});
  return out;
}

}  // namespace mica::data
