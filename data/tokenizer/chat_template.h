// The ChatML chat template (<|im_start|>role\ncontent<|im_end|>\n per message) as text, and as
// a tokenized instruction-tuning example whose prompt part the LM collator can mask.
#pragma once

#include <string>
#include <vector>

#include "data/tokenizer/collate.h"
#include "data/tokenizer/tokenizer.h"

namespace mica::data {

struct ChatMessage {
  std::string role;  // "system", "user", "assistant", ...
  std::string content;
};

inline constexpr const char* kImStart = "<|im_start|>";
inline constexpr const char* kImEnd = "<|im_end|>";

// "<|im_start|>user\nHi<|im_end|>\n..." and, with add_generation_prompt, a final
// "<|im_start|>assistant\n" for the model to continue.
std::string apply_chatml(const std::vector<ChatMessage>& messages,
                         bool add_generation_prompt = false);

// Tokenizes a conversation whose last message is the assistant's reply to learn: the prompt is
// everything before that reply plus the generation prompt (exactly what the model sees when
// asked to generate), the completion is the reply, <|im_end|> and "\n". The tokenizer needs
// <|im_start|> and <|im_end|> as special tokens; message text is encoded with special tokens
// not recognized, so content cannot forge them. decode(input_ids) == apply_chatml(messages).
LMExample chatml_example(const Tokenizer& tokenizer, const std::vector<ChatMessage>& messages);

// The ids of apply_chatml(messages, add_generation_prompt), built the same safe way.
std::vector<int64_t> encode_chatml(const Tokenizer& tokenizer,
                                   const std::vector<ChatMessage>& messages,
                                   bool add_generation_prompt = false);

}  // namespace mica::data
