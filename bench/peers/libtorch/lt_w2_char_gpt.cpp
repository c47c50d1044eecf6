// libtorch (C++) peer of W2 (shared/WORKLOADS.md): the char-level GPT (vocab 96, block 128, 4
// layers, 4 heads, 128 wide, 822,016 parameters, nanoGPT init) on the fortunes corpus, AdamW
// (lr 3e-4, wd 0.01 on all parameters), batch 32 x 128 from the hash; 301 steps. Reports what
// bench/peers/w2_char_gpt.py reports. Usage: lt_w2_char_gpt [--steps N] [--init-seed S]
#include "gpt.h"

constexpr int64_t kBatch = 32, kBlock = 128, kSteps = 301, kWarmup = 5, kValBatches = 8;
constexpr int64_t kParams = 822016;
constexpr const char* kFortunesDir = "/usr/share/games/fortunes";

// Token ids of the whole corpus (WORKLOADS.md "Fortunes text").
static std::vector<uint8_t> load_char_corpus(const std::string& dir) {
  DIR* d = opendir(dir.c_str());
  if (!d) ltpeer::fail("cannot open " + dir);
  std::vector<std::string> names;
  while (const dirent* e = readdir(d)) {
    const std::string name = e->d_name;
    auto ends = [&](const std::string& suffix) {
      return name.size() >= suffix.size() &&
             name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
    };
    if (name == "." || name == ".." || ends(".dat") || ends(".u8")) continue;
    struct stat st {};
    if (lstat((dir + "/" + name).c_str(), &st) == 0 && S_ISREG(st.st_mode)) names.push_back(name);
  }
  closedir(d);
  std::sort(names.begin(), names.end());  // char_traits compares bytes as unsigned: byte order
  std::vector<uint8_t> tokens;
  for (const auto& name : names) {
    std::ifstream f(dir + "/" + name, std::ios::binary);
    std::string raw((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    for (const char ch : raw) {
      const auto c = static_cast<unsigned char>(ch);
      if (c == 10)
        tokens.push_back(0);
      else if (c == 9)
        tokens.push_back(1);  // TAB reads as a space
      else if (c >= 32 && c <= 126)
        tokens.push_back(static_cast<uint8_t>(c - 31));
    }
  }
  return tokens;
}

// int64 [batch, block + 1]: row b = split[off : off + block + 1],
// off = h(1337, stream, first_index + b) mod (len(split) - block - 1).
static torch::Tensor char_batch(const uint8_t* split, int64_t len, int64_t stream,
                                int64_t first_index) {
  const auto range = static_cast<uint64_t>(len - kBlock - 1);
  auto rows = torch::empty({kBatch, kBlock + 1}, torch::kInt64);
  auto* p = rows.data_ptr<int64_t>();
  for (int64_t b = 0; b < kBatch; ++b) {
    const uint64_t off = ltpeer::sample_hash(ltpeer::kSeed, static_cast<uint64_t>(stream),
                                             static_cast<uint64_t>(first_index + b)) %
                         range;
    for (int64_t k = 0; k <= kBlock; ++k) p[b * (kBlock + 1) + k] = split[off + k];
  }
  return rows;
}

// sum_k token[k] * ((k0 + k) mod 9973 + 1) over the flattened rows (the mica driver's).
static int64_t weighted_sum(const torch::Tensor& rows, int64_t k0) {
  const auto* p = rows.data_ptr<int64_t>();
  int64_t sum = 0;
  for (int64_t k = 0; k < rows.numel(); ++k) sum += p[k] * ((k0 + k) % 9973 + 1);
  return sum;
}

static double val_loss(ltpeer::GPT& model, const std::vector<torch::Tensor>& val) {
  torch::NoGradGuard no_grad;
  double sum = 0.0;
  for (const auto& r : val)
    sum += model->forward_loss(r.slice(1, 0, kBlock), r.slice(1, 1)).item<double>();
  return sum / static_cast<double>(val.size());
}

int main(int argc, char** argv) {
  const int64_t steps = ltpeer::int_arg(argc, argv, "--steps", kSteps);
  ltpeer::check(kWarmup < steps && steps <= kSteps, "--steps must be in 6..301");
  ltpeer::setup();
  if (const char* v = ltpeer::flag_value(argc, argv, "--init-seed"))  // weight init only
    torch::manual_seed(std::strtoull(v, nullptr, 10));
  const auto tokens = load_char_corpus(kFortunesDir);
  const auto n = static_cast<int64_t>(tokens.size());
  const int64_t n_train = n * 9 / 10;
  ltpeer::check(n == 2576215 && n_train == 2318593,
                "fortunes corpus: " + std::to_string(n) + " tokens, expected 2576215");
  const uint8_t* train = tokens.data();
  const uint8_t* val_split = tokens.data() + n_train;
  const int64_t n_val = n - n_train;
  std::vector<torch::Tensor> val;
  for (int64_t j = 0; j < kValBatches; ++j)
    val.push_back(char_batch(val_split, n_val, 2, j * kBatch));

  ltpeer::GPT model(96, kBlock, 4, 4, 128);
  ltpeer::check(ltpeer::num_params(*model) == kParams,
                "W2 parameter count " + std::to_string(ltpeer::num_params(*model)));
  torch::optim::AdamW opt(
      model->parameters(),
      torch::optim::AdamWOptions(3e-4).betas({0.9, 0.999}).eps(1e-8).weight_decay(0.01));

  int64_t check = 0, k0 = 0;
  std::vector<torch::Tensor> checked = {char_batch(train, n_train, 1, 0),
                                        char_batch(train, n_train, 1, (steps - 1) * kBatch)};
  checked.insert(checked.end(), val.begin(), val.end());
  for (const auto& rows : checked) {
    check += weighted_sum(rows, k0);
    k0 += rows.numel();
  }

  std::vector<double> times;
  ltpeer::Extra losses;
  double loss_last = NAN;
  for (int64_t s = 0; s < steps; ++s) {
    auto rows = char_batch(train, n_train, 1, s * kBatch);
    auto x = rows.slice(1, 0, kBlock).contiguous(), y = rows.slice(1, 1).contiguous();
    const bool report = s % 100 == 0 || s == steps - 1;
    const double vl = report ? val_loss(model, val) : NAN;
    const double t0 = ltpeer::now_ms();
    opt.zero_grad();
    auto loss = model->forward_loss(x, y);
    loss.backward();
    opt.step();
    const double l = loss.item<double>();
    const double t1 = ltpeer::now_ms();
    if (s >= kWarmup) times.push_back(t1 - t0);
    if (report) {
      losses.emplace_back("loss_step" + std::to_string(s), l);
      losses.emplace_back("val_loss_step" + std::to_string(s), vl);
    }
    loss_last = l;
  }
  ltpeer::Extra extra = {{"tokens_per_s", kBatch * kBlock / (ltpeer::median(times) / 1000.0)}};
  extra.insert(extra.end(), losses.begin(), losses.end());
  extra.emplace_back("loss_last", loss_last);
  extra.emplace_back("params", ltpeer::num_params(*model));
  extra.emplace_back("n_tokens", n);
  extra.emplace_back("data_check", check);
  ltpeer::emit("w2", steps, times, extra);
  return 0;
}
