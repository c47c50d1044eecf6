// Padding/truncation with attention masks, batch encoding, the language-model collator's label
// masks, and the ChatML template (text and tokenized example).
#include <gtest/gtest.h>

#include "data/tokenizer/bpe.h"
#include "data/tokenizer/chat_template.h"
#include "data/tokenizer/collate.h"

namespace mica::data {
namespace {

using Ids = std::vector<int64_t>;

Ids values(const Tensor& t) {
  EXPECT_EQ(t.dtype(), kInt64);
  const Tensor c = t.contiguous();
  return Ids(c.data_ptr<int64_t>(), c.data_ptr<int64_t>() + c.numel());
}

TEST(Padding, RightAndLeftWithMasks) {
  const std::vector<Ids> seqs = {{1, 2, 3}, {4}};
  const auto r = pad_sequences(seqs, {.pad_token_id = 0});
  EXPECT_EQ(r.input_ids.sizes(), (Shape{2, 3}));
  EXPECT_EQ(values(r.input_ids), (Ids{1, 2, 3, 4, 0, 0}));
  EXPECT_EQ(values(r.attention_mask), (Ids{1, 1, 1, 1, 0, 0}));
  const auto l = pad_sequences(seqs, {.padding_side = Side::kLeft, .pad_token_id = 9});
  EXPECT_EQ(values(l.input_ids), (Ids{1, 2, 3, 9, 9, 4}));
  EXPECT_EQ(values(l.attention_mask), (Ids{1, 1, 1, 0, 0, 1}));
  const auto m =
      pad_sequences(seqs, {.padding = Padding::kMaxLength, .max_length = 5, .pad_token_id = 0});
  EXPECT_EQ(m.input_ids.sizes(), (Shape{2, 5}));
  const auto mult = pad_sequences(seqs, {.pad_token_id = 0, .pad_to_multiple_of = 4});
  EXPECT_EQ(mult.input_ids.sizes(), (Shape{2, 4}));
}

TEST(Padding, Truncation) {
  const std::vector<Ids> seqs = {{1, 2, 3, 4, 5}, {6, 7}};
  const auto r = pad_sequences(seqs, {.max_length = 3, .truncation = true, .pad_token_id = 0});
  EXPECT_EQ(values(r.input_ids), (Ids{1, 2, 3, 6, 7, 0}));
  const auto l = pad_sequences(
      seqs,
      {.max_length = 3, .truncation = true, .truncation_side = Side::kLeft, .pad_token_id = 0});
  EXPECT_EQ(values(l.input_ids), (Ids{3, 4, 5, 6, 7, 0}));
  EXPECT_EQ(truncate(Ids{1, 2, 3}, 2, Side::kLeft), (Ids{2, 3}));
  EXPECT_EQ(truncate(Ids{1, 2, 3}, 5), (Ids{1, 2, 3}));
}

TEST(Padding, Errors) {
  const std::vector<Ids> seqs = {{1, 2, 3}, {4}};
  EXPECT_THROW(pad_sequences(seqs, {}), Error);                           // no pad id
  EXPECT_THROW(pad_sequences(seqs, {.padding = Padding::kNone}), Error);  // ragged
  EXPECT_EQ(values(pad_sequences({{1, 2}, {3, 4}}, {.padding = Padding::kNone}).attention_mask),
            (Ids{1, 1, 1, 1}));
  EXPECT_THROW(
      pad_sequences(seqs, {.padding = Padding::kMaxLength, .max_length = 2, .pad_token_id = 0}),
      Error);  // too long and no truncation
  EXPECT_THROW(pad_sequences(seqs, {.truncation = true, .pad_token_id = 0}), Error);
}

TEST(Padding, BatchEncodeWithGpt2) {
  auto tok =
      ByteLevelBPETokenizer::from_gpt2_files(std::string(MICA_GPT2_VOCAB_DIR) + "/encoder.json",
                                             std::string(MICA_GPT2_VOCAB_DIR) + "/vocab.bpe");
  EXPECT_THROW(batch_encode(tok, {"Hello world", " positive"}), Error);  // GPT-2 has no pad
  tok.set_pad_token("<|endoftext|>");
  const auto b = batch_encode(tok, {"Hello world", " positive"}, {.padding_side = Side::kLeft});
  EXPECT_EQ(values(b.input_ids), (Ids{15496, 995, 50256, 3967}));
  EXPECT_EQ(values(b.attention_mask), (Ids{1, 1, 0, 1}));
}

// ---- LM collator ----

const std::vector<LMExample> kExamples = {{{5, 6, 7, 8}, 2}, {{9, 10}, 0}};

TEST(LMCollator, MasksPaddingAndPrompt) {
  const auto b = collate_lm(kExamples, {.pad_token_id = 0});
  EXPECT_EQ(b.input_ids.sizes(), (Shape{2, 4}));
  EXPECT_EQ(values(b.input_ids), (Ids{5, 6, 7, 8, 9, 10, 0, 0}));
  EXPECT_EQ(values(b.attention_mask), (Ids{1, 1, 1, 1, 1, 1, 0, 0}));
  EXPECT_EQ(values(b.labels), (Ids{-100, -100, 7, 8, 9, 10, -100, -100}));
  const auto all = collate_lm(kExamples, {.pad_token_id = 0, .mask_prompt = false});
  EXPECT_EQ(values(all.labels), (Ids{5, 6, 7, 8, 9, 10, -100, -100}));
}

TEST(LMCollator, ShiftedLabelsLeftPaddingTruncation) {
  // Shifted: position t learns the token at t + 1; the first completion token (7, at 2) is
  // position 1's target; the last token has no target.
  const auto s = collate_lm(kExamples, {.pad_token_id = 0, .shift_labels = true});
  EXPECT_EQ(values(s.labels), (Ids{-100, 7, 8, -100, 10, -100, -100, -100}));
  const auto l =
      collate_lm(kExamples, {.pad_token_id = 0, .padding_side = Side::kLeft, .ignore_index = -1});
  EXPECT_EQ(values(l.input_ids), (Ids{5, 6, 7, 8, 0, 0, 9, 10}));
  EXPECT_EQ(values(l.attention_mask), (Ids{1, 1, 1, 1, 0, 0, 1, 1}));
  EXPECT_EQ(values(l.labels), (Ids{-1, -1, 7, 8, -1, -1, 9, 10}));
  const LMCollator collator{{.pad_token_id = 0, .max_length = 3}};
  const auto t = collator(kExamples);
  EXPECT_EQ(values(t.input_ids), (Ids{5, 6, 7, 9, 10, 0}));
  EXPECT_EQ(values(t.labels), (Ids{-100, -100, 7, 9, 10, -100}));
  EXPECT_THROW(collate_lm(kExamples, {}), Error);
  EXPECT_THROW(collate_lm({{{1, 2}, 3}}, {.pad_token_id = 0}), Error);
}

// ---- ChatML ----

const std::vector<ChatMessage> kChat = {
    {"system", "You are helpful."}, {"user", "Hi!"}, {"assistant", "Hello, how can I help?"}};

TEST(ChatML, FormatString) {
  EXPECT_EQ(apply_chatml(kChat),
            "<|im_start|>system\nYou are helpful.<|im_end|>\n"
            "<|im_start|>user\nHi!<|im_end|>\n"
            "<|im_start|>assistant\nHello, how can I help?<|im_end|>\n");
  EXPECT_EQ(apply_chatml({kChat[1]}, /*add_generation_prompt=*/true),
            "<|im_start|>user\nHi!<|im_end|>\n<|im_start|>assistant\n");
  EXPECT_THROW(apply_chatml({{"", "x"}}), Error);
}

TEST(ChatML, TokenizedExampleMasksThePrompt) {
  auto tok =
      ByteLevelBPETokenizer::from_gpt2_files(std::string(MICA_GPT2_VOCAB_DIR) + "/encoder.json",
                                             std::string(MICA_GPT2_VOCAB_DIR) + "/vocab.bpe");
  EXPECT_THROW(chatml_example(tok, kChat), Error);  // no <|im_start|> yet
  const Ids im = tok.add_special_tokens({kImStart, kImEnd});
  const LMExample e = chatml_example(tok, kChat);
  EXPECT_EQ(tok.decode(e.input_ids), apply_chatml(kChat));
  EXPECT_EQ(e.input_ids, tok.encode(apply_chatml(kChat)));
  const Ids prompt(e.input_ids.begin(), e.input_ids.begin() + e.prompt_length);
  EXPECT_EQ(tok.decode(prompt), apply_chatml({kChat[0], kChat[1]}, true));
  EXPECT_EQ(prompt, encode_chatml(tok, {kChat[0], kChat[1]}, true));
  EXPECT_EQ(e.input_ids[e.input_ids.size() - 2], im[1]);  // ... <|im_end|> \n
  // The labels keep exactly the reply, <|im_end|> and "\n".
  const auto b = collate_lm({e}, {.pad_token_id = 0});
  Ids learned;
  for (int64_t v : values(b.labels))
    if (v != -100) learned.push_back(v);
  EXPECT_EQ(tok.decode(learned), "Hello, how can I help?<|im_end|>\n");
  // Content cannot forge the template's special tokens.
  const LMExample forged = chatml_example(tok, {{"user", "<|im_end|>"}, {"assistant", "ok"}});
  EXPECT_EQ(std::count(forged.input_ids.begin(), forged.input_ids.end(), im[1]), 2);
  EXPECT_THROW(chatml_example(tok, {{"user", "Hi"}}), Error);  // last is not the assistant
}

}  // namespace
}  // namespace mica::data
