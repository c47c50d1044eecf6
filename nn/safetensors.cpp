// safetensors reading and writing: header parsing with duplicate-key detection and full offset
// validation (the layout must tile the data exactly: no overlap, gap or trailing bytes, like the
// reference implementation), then tensor bytes copied straight into (or out of) tensors.
#include "nn/safetensors.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <bit>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <set>
#include <vector>

#include "nn/serialization.h"
#include "tensor/autograd_hooks.h"
#include "tensor/error.h"
#include "tensor/ops/factory.h"
#include "tensor/shape.h"

namespace mica::nn {

namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
static_assert(std::endian::native == std::endian::little, "safetensors data is little-endian");

constexpr uint64_t kMaxHeader = 100'000'000;  // the reference reader's limit

const char* st_name(DType t) {
  switch (t) {
    case kFloat32:
      return "F32";
    case kFloat16:
      return "F16";
    case kBFloat16:
      return "BF16";
    case kFloat64:
      return "F64";
    case kInt64:
      return "I64";
    case kInt32:
      return "I32";
    case kUInt8:
      return "U8";
    case kBool:
      return "BOOL";
  }
  return "?";
}

bool parse_st_dtype(const std::string& s, DType& out) {
  for (DType t : {kFloat32, kFloat16, kBFloat16, kFloat64, kInt64, kInt32, kUInt8, kBool}) {
    if (s == st_name(t)) {
      out = t;
      return true;
    }
  }
  return false;
}

struct Entry {
  std::string name;
  DType dtype;
  Shape shape;
  uint64_t begin, end;
};

struct Header {
  std::vector<Entry> entries;  // sorted by begin
  SafetensorsMetadata metadata;
  uint64_t data_start;  // 8 + N
};

// Parses and validates the header given the total size of the source.
Header parse_header(std::string_view head, uint64_t total_size, const std::string& where) {
  const char* fn = "safetensors";
  MICA_CHECK(head.size() >= 8, fn, ": ", where, ": too short for a header length (", head.size(),
             " bytes)");
  uint64_t n = 0;
  std::memcpy(&n, head.data(), 8);
  MICA_CHECK(n <= kMaxHeader, fn, ": ", where, ": header length ", n, " is larger than the ",
             kMaxHeader, "-byte limit (not a safetensors file?)");
  MICA_CHECK(n <= total_size - 8, fn, ": ", where, ": header length ", n, " exceeds the ",
             total_size - 8, " bytes after the length field (truncated?)");
  MICA_CHECK(head.size() >= 8 + n, fn, ": ", where, ": header incomplete");
  const std::string_view text = head.substr(8, n);
  MICA_CHECK(n > 0 && text[0] == '{', fn, ": ", where,
             ": the header does not start with '{' (not a safetensors file?)");

  // Duplicate top-level names are an error (JSON parsers silently keep one).
  std::set<std::string> seen;
  std::string duplicate;
  json j;
  try {
    j = json::parse(text, [&](int depth, json::parse_event_t event, json& parsed) {
      if (depth == 1 && event == json::parse_event_t::key) {
        const std::string k = parsed.get<std::string>();
        if (!seen.insert(k).second && duplicate.empty()) duplicate = k;
      }
      return true;
    });
  } catch (const json::exception& e) {
    MICA_FAIL(fn, ": ", where, ": the header is not valid JSON (", e.what(), ")");
  }
  MICA_CHECK(duplicate.empty(), fn, ": ", where, ": tensor '", duplicate,
             "' appears twice in the header");
  MICA_CHECK(j.is_object(), fn, ": ", where, ": the header is not a JSON object");

  Header h;
  h.data_start = 8 + n;
  const uint64_t data_size = total_size - h.data_start;
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& name = it.key();
    const json& v = it.value();
    if (name == "__metadata__") {
      MICA_CHECK(v.is_object(), fn, ": ", where, ": __metadata__ is not an object");
      for (auto m = v.begin(); m != v.end(); ++m) {
        MICA_CHECK(m.value().is_string(), fn, ": ", where, ": __metadata__ value '", m.key(),
                   "' is not a string");
        h.metadata[m.key()] = m.value().get<std::string>();
      }
      continue;
    }
    const std::string tw = std::string(fn) + ": " + where + ": tensor '" + name + "'";
    MICA_CHECK(!name.empty(), fn, ": ", where, ": empty tensor name");
    MICA_CHECK(
        v.is_object() && v.contains("dtype") && v.contains("shape") && v.contains("data_offsets"),
        tw, ": expected an object with dtype, shape and data_offsets");
    Entry e{name, kFloat32, {}, 0, 0};
    MICA_CHECK(v["dtype"].is_string(), tw, ": dtype is not a string");
    MICA_CHECK(parse_st_dtype(v["dtype"].get<std::string>(), e.dtype), tw, ": unsupported dtype '",
               v["dtype"].get<std::string>(),
               "' (supported: F32, F16, BF16, F64, I64, I32, U8, BOOL)");
    MICA_CHECK(v["shape"].is_array(), tw, ": shape is not an array");
    long double elems = 1;
    for (const json& d : v["shape"]) {
      MICA_CHECK(d.is_number_unsigned() || (d.is_number_integer() && d.get<int64_t>() >= 0), tw,
                 ": shape ", v["shape"].dump(), " has an entry that is not a non-negative integer");
      const uint64_t du = d.get<uint64_t>();
      MICA_CHECK(du <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max()), tw,
                 ": shape entry ", du, " is too large");
      e.shape.push_back(static_cast<int64_t>(du));
      elems *= static_cast<long double>(du);
    }
    const json& off = v["data_offsets"];
    MICA_CHECK(off.is_array() && off.size() == 2 && off[0].is_number_unsigned() &&
                   off[1].is_number_unsigned(),
               tw, ": data_offsets must be two non-negative integers, got ", off.dump());
    e.begin = off[0].get<uint64_t>();
    e.end = off[1].get<uint64_t>();
    MICA_CHECK(e.begin <= e.end, tw, ": data_offsets [", e.begin, ", ", e.end, "] are reversed");
    MICA_CHECK(e.end <= data_size, tw, ": data_offsets [", e.begin, ", ", e.end,
               "] run past the end of the data (", data_size, " bytes; truncated file?)");
    const long double want = elems * static_cast<long double>(element_size(e.dtype));
    MICA_CHECK(want == static_cast<long double>(e.end - e.begin), tw, ": shape ",
               shape_str(e.shape), " of ", st_name(e.dtype), " needs ", want,
               " bytes but data_offsets [", e.begin, ", ", e.end, "] hold ", e.end - e.begin);
    h.entries.push_back(std::move(e));
  }
  std::sort(h.entries.begin(), h.entries.end(), [](const Entry& a, const Entry& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
  });
  uint64_t pos = 0;
  for (const Entry& e : h.entries) {
    MICA_CHECK(e.begin >= pos, fn, ": ", where, ": tensor '", e.name, "' (data_offsets [", e.begin,
               ", ", e.end, "]) overlaps the previous tensor, which ends at ", pos);
    MICA_CHECK(e.begin == pos, fn, ": ", where, ": gap in the data before tensor '", e.name,
               "' (bytes ", pos, " to ", e.begin, " belong to no tensor)");
    pos = e.end;
  }
  MICA_CHECK(pos == data_size, fn, ": ", where, ": ", data_size - pos,
             " trailing bytes after the last tensor");
  return h;
}

void check_bool(const Tensor& t, const Entry& e, const std::string& where) {
  const auto* p = static_cast<const uint8_t*>(t.raw_data());
  for (int64_t i = 0; i < t.numel(); ++i)
    MICA_CHECK(p[i] <= 1, "safetensors: ", where, ": BOOL tensor '", e.name, "' holds byte ",
               static_cast<int>(p[i]), " at element ", i, " (expected 0 or 1)");
}

struct Prepared {
  std::string header;                                   // 8-byte length + padded JSON
  std::vector<std::pair<std::string, Tensor>> tensors;  // contiguous CPU, in layout order
};

Prepared prepare(const StateDict& sd, const SafetensorsMetadata& metadata) {
  Prepared p;
  {
    NoGradGuard no_grad;
    for (const auto& [name, t] : sd) {
      MICA_CHECK(!name.empty() && name != "__metadata__", "save_safetensors: invalid tensor name '",
                 name, "'");
      MICA_CHECK(t.defined(), "save_safetensors: tensor '", name, "' is undefined");
      p.tensors.emplace_back(name, t.detach().to(Device(kCPU)).contiguous());
    }
  }
  std::stable_sort(p.tensors.begin(), p.tensors.end(), [](const auto& a, const auto& b) {
    if (a.second.element_size() != b.second.element_size())
      return a.second.element_size() > b.second.element_size();
    return a.first < b.first;
  });
  json j = json::object();
  if (!metadata.empty()) j["__metadata__"] = metadata;
  uint64_t pos = 0;
  for (const auto& [name, t] : p.tensors) {
    const uint64_t end = pos + t.nbytes();
    j[name] = {{"dtype", st_name(t.dtype())},
               {"shape", std::vector<int64_t>(t.sizes().begin(), t.sizes().end())},
               {"data_offsets", {pos, end}}};
    pos = end;
  }
  std::string text = j.dump();
  text.resize((8 + text.size() + 7) / 8 * 8 - 8, ' ');
  const uint64_t n = text.size();
  p.header.resize(8);
  std::memcpy(p.header.data(), &n, 8);
  p.header += text;
  return p;
}

}  // namespace

std::string serialize_safetensors(const StateDict& sd, const SafetensorsMetadata& metadata) {
  Prepared p = prepare(sd, metadata);
  std::string out = std::move(p.header);
  for (const auto& [name, t] : p.tensors)
    out.append(static_cast<const char*>(t.raw_data()), t.nbytes());
  return out;
}

StateDict deserialize_safetensors(std::string_view bytes, SafetensorsMetadata* metadata,
                                  const std::string& where) {
  const Header h = parse_header(bytes, bytes.size(), where);
  StateDict out;
  for (const Entry& e : h.entries) {
    Tensor t = empty(e.shape, e.dtype);
    if (t.nbytes() > 0)
      std::memcpy(t.raw_data(), bytes.data() + h.data_start + e.begin, t.nbytes());
    if (e.dtype == kBool) check_bool(t, e, where);
    out.insert(e.name, t);
  }
  if (metadata) *metadata = h.metadata;
  return out;
}

void save_safetensors(const std::string& path, const StateDict& sd,
                      const SafetensorsMetadata& metadata) {
  const Prepared p = prepare(sd, metadata);
  detail::write_atomically(path, "save_safetensors", [&](const std::string& tmp) {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    MICA_CHECK(f, "save_safetensors: cannot create ", tmp);
    f.write(p.header.data(), static_cast<std::streamsize>(p.header.size()));
    for (const auto& [name, t] : p.tensors)
      f.write(static_cast<const char*>(t.raw_data()), static_cast<std::streamsize>(t.nbytes()));
    f.flush();
    MICA_CHECK(f, "save_safetensors: writing ", tmp, " failed");
  });
}

StateDict load_safetensors(const std::string& path, SafetensorsMetadata* metadata) {
  std::error_code ec;
  MICA_CHECK(fs::is_regular_file(path, ec), "load_safetensors: file not found: ", path);
  const uint64_t size = fs::file_size(path, ec);
  std::ifstream f(path, std::ios::binary);
  MICA_CHECK(f && !ec, "load_safetensors: cannot open ", path);
  // Read the length, then exactly the header.
  std::string head(std::min<uint64_t>(size, 8), '\0');
  f.read(head.data(), static_cast<std::streamsize>(head.size()));
  if (head.size() == 8) {
    uint64_t n = 0;
    std::memcpy(&n, head.data(), 8);
    if (n <= kMaxHeader && n <= size - 8) {
      head.resize(8 + n);
      f.read(head.data() + 8, static_cast<std::streamsize>(n));
    }
  }
  MICA_CHECK(f, "load_safetensors: ", path, ": read failed");
  const Header h = parse_header(head, size, path);
  StateDict out;
  for (const Entry& e : h.entries) {
    Tensor t = empty(e.shape, e.dtype);
    if (t.nbytes() > 0) {
      f.seekg(static_cast<std::streamoff>(h.data_start + e.begin));
      f.read(static_cast<char*>(t.raw_data()), static_cast<std::streamsize>(t.nbytes()));
      MICA_CHECK(f, "load_safetensors: ", path, ": tensor '", e.name, "': read failed");
    }
    if (e.dtype == kBool) check_bool(t, e, path);
    out.insert(e.name, t);
  }
  if (metadata) *metadata = h.metadata;
  return out;
}

}  // namespace mica::nn
