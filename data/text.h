// Plain text and binary file helpers (whole-file reads, atomic writes) and the reader of the
// fortunes corpus (Debian's package `fortunes`: one file per category, entries between "%" lines).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace mica::data {

// The whole file as bytes. Throws mica::Error naming the path when it is missing, is not a
// regular file, or cannot be read.
std::string read_file(const std::string& path);
// The same as read_file; the name says what callers expect (no decoding: the bytes are kept).
std::string read_text_file(const std::string& path);
// The file's lines without their "\n" (a trailing "\r" is removed too); a final line without a
// newline counts, an empty file has no lines.
std::vector<std::string> read_lines(const std::string& path);

// Writes bytes atomically: to "<path>.tmp.<pid>", then renamed over path, so readers never see
// a half-written file. Throws mica::Error naming the path on failure (the temporary is removed).
void write_file(const std::string& path, std::string_view bytes);
void write_text_file(const std::string& path, std::string_view text);

struct Fortune {
  std::string text;      // the entry without its trailing newline
  std::string category;  // the file it came from ("computers", "science", ...)
};

inline constexpr const char* kFortunesDir = "/usr/share/games/fortunes";

// Splits a fortune file's contents into entries: lines holding only "%" separate them; blank
// entries are dropped and each entry loses its final newline.
std::vector<std::string> parse_fortunes(std::string_view text);
// The text of a fortune file holding the given entries (parse_fortunes gives them back when no
// entry is blank, ends with a newline or holds a line of only "%").
std::string format_fortunes(const std::vector<std::string>& entries);

// Every entry of every category file in dir (regular files only: *.dat index files, *.u8
// symlinks and other symlinks and subdirectories are skipped), categories in name order, entries
// in file order. categories: only these files (each must exist); empty: all. A missing
// directory or one without category files gives an error naming Debian's package `fortunes`.
std::vector<Fortune> load_fortunes(const std::string& dir = kFortunesDir,
                                   const std::vector<std::string>& categories = {});
// The category names load_fortunes would read from dir, sorted.
std::vector<std::string> fortune_categories(const std::string& dir = kFortunesDir);

}  // namespace mica::data
