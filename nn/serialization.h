// State-dict files in HDF5 (mica's checkpoint format): one dataset per tensor at the file's
// root, named by its dotted path ("h.0.attn.weight"), in insertion order, plus string
// attributes (e.g. a JSON config). Readable with h5py: float32/float64/int64/int32/uint8 are
// plain HDF5 numbers; bool is uint8 and bfloat16/float16 are their raw 16-bit patterns as
// uint16, each dataset carrying a "mica_dtype" attribute, and a "crc32" of its bytes.
// Writes are atomic: a temporary file in the same directory, flushed and fsync'ed, renamed
// over the target (the previous file survives any failure). Reads reject truncated or corrupt
// files, and mismatches against an expected StateDict, with a mica::Error naming the file, the
// tensor and the problem.
#pragma once

#include <functional>
#include <map>
#include <string>

#include "nn/state_dict.h"

namespace mica::nn {

// String attributes stored with a state dict (names must not start with "mica_").
using Attributes = std::map<std::string, std::string>;

// Writes sd (tensors on any device; names non-empty, without '/', not "." or "..") and attrs.
void save_state_dict(const std::string& path, const StateDict& sd, const Attributes& attrs = {});

// Every tensor in the file, on the CPU, in the order they were saved; attrs (if given) receives
// the file's attributes.
StateDict load_state_dict(const std::string& path, Attributes* attrs = nullptr);

// Copies the file's tensors into expected's tensors in place (any device), after checking that
// each has the expected dtype and shape. strict: the file must hold exactly expected's names;
// otherwise names missing from the file are left untouched and extra ones ignored. Nothing is
// written into expected unless every check passes.
void load_state_dict_into(const std::string& path, StateDict& expected, bool strict = true,
                          Attributes* attrs = nullptr);

// The file's attributes only.
Attributes read_attributes(const std::string& path);

namespace detail {
// Runs write(tmp) on a temporary path in path's directory, fsyncs the result and renames it over
// path (then fsyncs the directory). On any failure the temporary file is removed, path is left
// as it was, and the error propagates. fn names the caller in errors.
void write_atomically(const std::string& path, const char* fn,
                      const std::function<void(const std::string& tmp)>& write);
}  // namespace detail

}  // namespace mica::nn
