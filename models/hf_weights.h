// Hugging Face checkpoints -> models::GPT: name maps, GPT-2 Conv1D transposes, the LM-head tie,
// one complete check of names and shapes, and configs from HF config.json.
//   GPT-2 (GPT2LMHeadModel / GPT2Model): names with or without the "transformer." prefix;
//     c_attn, attn.c_proj, mlp.c_fc and mlp.c_proj weights are stored [in, out] (Conv1D) and
//     are transposed to nn::Linear's [out, in]; lm_head.weight, if present, must equal the tied
//     wte shape and is otherwise ignored; the causal-mask buffers attn.bias / attn.masked_bias
//     are ignored.
//   Llama (LlamaForCausalLM): names as in mica; self_attn.rotary_emb.inv_freq buffers are
//     ignored; with tie_word_embeddings a missing lm_head.weight is fine.
// Problems (a missing tensor, a wrong shape, an unexpected name) are all listed in one
// mica::Error; nothing is copied into the model when it throws.
#pragma once

#include <string>

#include "models/gpt.h"
#include "nn/state_dict.h"

namespace mica::models {

// HF GPT-2 tensors -> mica GPT state dict (names mapped, Conv1D weights transposed). The config
// gives the expected shapes.
nn::StateDict hf_gpt2_to_mica(const nn::StateDict& hf, const GPTConfig& config);
// HF Llama tensors -> mica GPT state dict.
nn::StateDict hf_llama_to_mica(const nn::StateDict& hf, const GPTConfig& config);

// Loads HF weights into model (style GPT2 / Llama) in place.
void load_hf_gpt2(GPT& model, const nn::StateDict& hf);
void load_hf_gpt2(GPT& model, const std::string& safetensors_path);
void load_hf_llama(GPT& model, const nn::StateDict& hf);
void load_hf_llama(GPT& model, const std::string& safetensors_path);

// A GPTConfig from the text of an HF config.json (model_type "gpt2" or "llama"; Llama's
// rope_scaling must be absent or {"type"/"rope_type": "linear", "factor": f}).
GPTConfig gpt_config_from_hf_json(const std::string& json_text);

}  // namespace mica::models
