// ChatML formatting and tokenization.
#include "data/tokenizer/chat_template.h"

#include "tensor/error.h"

namespace mica::data {

namespace {
struct ChatIds {
  int64_t start, end;
};

ChatIds chat_ids(const Tokenizer& tok, const char* who) {
  const auto s = tok.special_token_id(kImStart);
  const auto e = tok.special_token_id(kImEnd);
  MICA_CHECK(s && e, who, ": the tokenizer lacks the special tokens ", kImStart, " and ", kImEnd,
             " (add them, e.g. add_special_tokens({\"<|im_start|>\", \"<|im_end|>\"}))");
  return {*s, *e};
}

void append(std::vector<int64_t>& out, const std::vector<int64_t>& ids) {
  out.insert(out.end(), ids.begin(), ids.end());
}

const EncodeOptions kPlain{.allow_special = false};
}  // namespace

std::string apply_chatml(const std::vector<ChatMessage>& messages, bool add_generation_prompt) {
  std::string out;
  for (const auto& m : messages) {
    MICA_CHECK(!m.role.empty(), "apply_chatml: a message has an empty role");
    out += kImStart + m.role + "\n" + m.content + kImEnd + "\n";
  }
  if (add_generation_prompt) out += std::string(kImStart) + "assistant\n";
  return out;
}

std::vector<int64_t> encode_chatml(const Tokenizer& tokenizer,
                                   const std::vector<ChatMessage>& messages,
                                   bool add_generation_prompt) {
  const ChatIds im = chat_ids(tokenizer, "encode_chatml");
  std::vector<int64_t> out;
  for (const auto& m : messages) {
    MICA_CHECK(!m.role.empty(), "encode_chatml: a message has an empty role");
    out.push_back(im.start);
    append(out, tokenizer.encode(m.role + "\n" + m.content, kPlain));
    out.push_back(im.end);
    append(out, tokenizer.encode("\n", kPlain));
  }
  if (add_generation_prompt) {
    out.push_back(im.start);
    append(out, tokenizer.encode("assistant\n", kPlain));
  }
  return out;
}

LMExample chatml_example(const Tokenizer& tokenizer, const std::vector<ChatMessage>& messages) {
  const char* who = "chatml_example";
  const ChatIds im = chat_ids(tokenizer, who);
  MICA_CHECK(!messages.empty() && messages.back().role == "assistant", who,
             ": the last message must be the assistant's reply to learn");
  const std::vector<ChatMessage> history(messages.begin(), messages.end() - 1);
  LMExample e;
  e.input_ids = encode_chatml(tokenizer, history, /*add_generation_prompt=*/true);
  e.prompt_length = static_cast<int64_t>(e.input_ids.size());
  append(e.input_ids, tokenizer.encode(messages.back().content, kPlain));
  e.input_ids.push_back(im.end);
  append(e.input_ids, tokenizer.encode("\n", kPlain));
  return e;
}

}  // namespace mica::data
