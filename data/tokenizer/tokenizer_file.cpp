// JSON I/O for tokenizers (nlohmann-json): mica's tokenizer file and GPT-2's encoder.json.
#include "data/tokenizer/tokenizer_file.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "data/tokenizer/unicode.h"
#include "tensor/error.h"

namespace mica::data {

namespace {
using nlohmann::json;

json parse_file(const std::string& path, const char* who) {
  std::ifstream in(path, std::ios::binary);
  MICA_CHECK(in.good(), who, ": cannot open ", path);
  try {
    return json::parse(in);
  } catch (const json::exception& e) {
    MICA_FAIL(who, ": ", path, " is not valid JSON (", e.what(), ")");
  }
}

std::string to_bytes(const json& token, const std::string& path, const char* who) {
  MICA_CHECK(token.is_string(), who, ": ", path, ": a vocabulary entry is not a string");
  const auto bytes = unicode::mapped_to_bytes(token.get_ref<const std::string&>());
  MICA_CHECK(bytes.has_value(), who, ": ", path, ": token \"", token.get<std::string>(),
             "\" holds a character outside GPT-2's byte-to-unicode mapping");
  return *bytes;
}

std::optional<std::string> optional_string(const json& j, const char* key,
                                           const std::string& path) {
  if (!j.contains(key) || j[key].is_null()) return std::nullopt;
  MICA_CHECK(j[key].is_string(), "load_tokenizer: ", path, ": \"", key, "\" is not a string");
  return j[key].get<std::string>();
}
}  // namespace

void write_tokenizer_file(const std::string& path, const TokenizerFile& file) {
  json j;
  j["format"] = "mica.tokenizer";
  j["version"] = 1;
  j["type"] = file.type;
  json vocab = json::array();
  for (const auto& t : file.vocab) vocab.push_back(unicode::bytes_to_mapped(t));
  j["vocab"] = std::move(vocab);
  json specials = json::array();
  for (const auto& s : file.special_tokens)
    specials.push_back({{"content", s.content}, {"id", s.id}});
  j["special_tokens"] = std::move(specials);
  j["unk_token"] = file.unk_token ? json(*file.unk_token) : json(nullptr);
  j["pad_token"] = file.pad_token ? json(*file.pad_token) : json(nullptr);
  if (file.type == "char") j["units"] = file.byte_units ? "bytes" : "code_points";
  if (file.type == "byte_level_bpe") {
    json merges = json::array();
    for (const auto& [a, b] : file.merges) merges.push_back({a, b});
    j["merges"] = std::move(merges);
  }
  std::string text;
  try {
    text = j.dump(1);
  } catch (const json::exception& e) {
    MICA_FAIL("save tokenizer: ", path, ": ", e.what());
  }
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    MICA_CHECK(out.good(), "save tokenizer: cannot write ", tmp);
    out << text << '\n';
    out.close();
    MICA_CHECK(out.good(), "save tokenizer: write failed for ", tmp);
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::filesystem::remove(tmp, ec);
    MICA_FAIL("save tokenizer: cannot rename ", tmp, " to ", path);
  }
}

TokenizerFile read_tokenizer_file(const std::string& path) {
  const char* who = "load_tokenizer";
  const json j = parse_file(path, who);
  MICA_CHECK(j.is_object() && j.value("format", json()) == "mica.tokenizer", who, ": ", path,
             " is not a mica tokenizer file (no \"format\": \"mica.tokenizer\")");
  MICA_CHECK(j.value("version", json()) == 1, who, ": ", path, ": unsupported version ",
             j.value("version", json()).dump());
  TokenizerFile f;
  try {
    f.type = j.at("type").get<std::string>();
    for (const auto& t : j.at("vocab")) f.vocab.push_back(to_bytes(t, path, who));
    for (const auto& s : j.at("special_tokens"))
      f.special_tokens.push_back({s.at("content").get<std::string>(), s.at("id").get<int64_t>()});
    f.unk_token = optional_string(j, "unk_token", path);
    f.pad_token = optional_string(j, "pad_token", path);
    if (f.type == "char") {
      const std::string units = j.at("units").get<std::string>();
      MICA_CHECK(units == "bytes" || units == "code_points", who, ": ", path, ": unknown units \"",
                 units, "\"");
      f.byte_units = units == "bytes";
    } else if (f.type == "byte_level_bpe") {
      for (const auto& m : j.at("merges")) {
        MICA_CHECK(m.is_array() && m.size() == 2, who, ": ", path,
                   ": a merge is not a [left, right] pair: ", m.dump());
        f.merges.emplace_back(m[0].get<int64_t>(), m[1].get<int64_t>());
      }
    } else {
      MICA_FAIL(who, ": ", path, ": unknown tokenizer type \"", f.type, "\"");
    }
  } catch (const json::exception& e) {
    MICA_FAIL(who, ": ", path, ": malformed tokenizer file (", e.what(), ")");
  }
  return f;
}

std::vector<std::pair<std::string, int64_t>> read_gpt2_encoder(const std::string& path) {
  const char* who = "ByteLevelBPETokenizer::from_gpt2_files";
  const json j = parse_file(path, who);
  MICA_CHECK(j.is_object(), who, ": ", path, " is not a JSON object of token -> id");
  std::vector<std::pair<std::string, int64_t>> out;
  out.reserve(j.size());
  for (const auto& [key, value] : j.items()) {
    MICA_CHECK(value.is_number_integer(), who, ": ", path, ": the id of \"", key,
               "\" is not an integer");
    out.emplace_back(to_bytes(json(key), path, who), value.get<int64_t>());
  }
  return out;
}

}  // namespace mica::data
