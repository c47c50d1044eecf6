// safetensors files (Hugging Face's interchange format): an 8-byte little-endian header length
// N, N bytes of JSON {name: {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__":
// {string: string}} (padded with spaces), then the tensors' raw little-endian bytes, offsets
// relative to the end of the header. dtypes: F32, F16, BF16, F64, I64, I32, U8, BOOL.
// Malformed headers, unknown dtypes, offsets out of range, overlapping or leaving gaps, and
// sizes that disagree with shapes are mica::Errors naming the file and the tensor.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "nn/state_dict.h"

namespace mica::nn {

using SafetensorsMetadata = std::map<std::string, std::string>;

// Writes sd (tensors on any device) atomically; tensors are laid out largest element size
// first, then by name (as the reference writer does), the header padded to 8 bytes.
void save_safetensors(const std::string& path, const StateDict& sd,
                      const SafetensorsMetadata& metadata = {});
// The file's tensors on the CPU, in data-offset order; metadata (if given) gets __metadata__.
StateDict load_safetensors(const std::string& path, SafetensorsMetadata* metadata = nullptr);

// The same format in memory (where names the source in errors).
std::string serialize_safetensors(const StateDict& sd, const SafetensorsMetadata& metadata = {});
StateDict deserialize_safetensors(std::string_view bytes, SafetensorsMetadata* metadata = nullptr,
                                  const std::string& where = "<memory>");

}  // namespace mica::nn
