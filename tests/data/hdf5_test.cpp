// HDF5 tests: tensors of every supported dtype written and read back exactly, nested names,
// append mode, Hdf5Array views (get, ranges, negative indices, load_all), files written by the
// HDF5 C API directly (int16/uint32 widening, strings rejected), and clear errors for missing
// files, datasets and non-HDF5 files.
#include <gtest/gtest.h>
#include <hdf5.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <thread>

#include "data/dataloader.h"
#include "data/hdf5_io.h"
#include "data_test_util.h"
#include "tensor/ops.h"

namespace mica::data {
namespace {

namespace fs = std::filesystem;

std::string scratch(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() / ("mica_hdf5_test_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  return (dir / name).string();
}

TEST(Hdf5, EveryDtypeRoundTrips) {
  const std::string path = scratch("dtypes.h5");
  const std::vector<Tensor> tensors = {
      randn({3, 4}),
      randn({2, 3, 2}, TensorOptions(kFloat64)),
      randint(-1000000, 1000000, {5}, TensorOptions(kInt32)),
      randint(-(int64_t{1} << 40), int64_t{1} << 40, {2, 2}, TensorOptions(kInt64)),
      randint(0, 256, {4, 1, 3}, TensorOptions(kUInt8)),
  };
  for (const Tensor& t : tensors) {
    write_hdf5(path, "x", t);
    EXPECT_TRUE(bit_equal(read_hdf5(path, "x"), t)) << dtype_name(t.dtype());
  }
  // Scalars, empty tensors and non-contiguous views.
  write_hdf5(path, "s", scalar_tensor(2.5, TensorOptions(kFloat64)));
  Tensor s = read_hdf5(path, "s");
  EXPECT_EQ(s.dim(), 0);
  EXPECT_EQ(s.item<double>(), 2.5);
  write_hdf5(path, "e", zeros({0, 3}));
  EXPECT_EQ(read_hdf5(path, "e").sizes(), (Shape{0, 3}));
  Tensor base = arange(12, TensorOptions(kFloat32)).view({3, 4});
  write_hdf5(path, "t", base.t());
  EXPECT_TRUE(bit_equal(read_hdf5(path, "t"), base.t().contiguous()));
  EXPECT_FALSE(fs::exists(path + ".tmp." + std::to_string(::getpid())));
  expect_error([&] { write_hdf5(path, "h", ones({2}, TensorOptions(kFloat16))); },
               {"write_hdf5", "float16"});
}

TEST(Hdf5, AppendAddsAndReplacesNestedDatasets) {
  const std::string path = scratch("append.h5");
  write_hdf5(path, "images", zeros({2, 2}));  // fresh file
  write_hdf5(path, "meta/labels", arange(4, TensorOptions(kInt64)), {.append = true});
  write_hdf5(path, "meta/deep/w", ones({3}), {.append = true});
  write_hdf5(path, "images", ones({5}), {.append = true});  // replaced
  EXPECT_EQ(hdf5_datasets(path),
            (std::vector<std::string>{"images", "meta/deep/w", "meta/labels"}));
  EXPECT_EQ(read_hdf5(path, "images").sizes(), (Shape{5}));
  EXPECT_EQ(read_hdf5(path, "/meta/labels").select(0, 3).item<int64_t>(), 3);
  // Without append the file holds only the new dataset.
  write_hdf5(path, "only", ones({1}));
  EXPECT_EQ(hdf5_datasets(path), (std::vector<std::string>{"only"}));
  // Append creates a missing file.
  const std::string fresh = scratch("fresh_append.h5");
  fs::remove(fresh);
  write_hdf5(fresh, "a", ones({1}), {.append = true});
  EXPECT_EQ(hdf5_datasets(fresh), (std::vector<std::string>{"a"}));
}

TEST(Hdf5, ArrayViewsExamplesAlongDimZero) {
  const std::string path = scratch("array.h5");
  Tensor data = randn({10, 3, 4});
  write_hdf5(path, "train/x", data);
  const Hdf5Array arr(path, "train/x");
  EXPECT_EQ(arr.size(), 10);
  EXPECT_EQ(arr.item_shape(), (Shape{3, 4}));
  EXPECT_EQ(arr.dtype(), kFloat32);
  EXPECT_TRUE(bit_equal(arr.get(0), data.select(0, 0)));
  EXPECT_TRUE(bit_equal(arr.get(7), data.select(0, 7)));
  EXPECT_TRUE(bit_equal(arr.get(-1), data.select(0, 9)));
  EXPECT_TRUE(bit_equal(arr.get_range(2, 5), data.narrow(0, 2, 5)));
  EXPECT_EQ(arr.get_range(10, 0).sizes(), (Shape{0, 3, 4}));
  EXPECT_TRUE(bit_equal(arr.load_all(), data));
  expect_error([&] { arr.get(10); }, {"Hdf5Array::get", "index 10", "10 examples"});
  expect_error([&] { arr.get_range(8, 3); }, {"Hdf5Array::get_range"});
  // Copies share the open file; concurrent reads from threads are serialized and correct.
  const Hdf5Array copy = arr;
  std::vector<std::thread> threads;
  std::vector<int> ok(4, 0);
  for (int k = 0; k < 4; ++k)
    threads.emplace_back([&, k] {
      bool all = true;
      for (int64_t i = 0; i < 10; ++i) all = all && bit_equal(copy.get(i), data.select(0, i));
      ok[static_cast<size_t>(k)] = all;
    });
  for (auto& t : threads) t.join();
  for (int v : ok) EXPECT_EQ(v, 1);
  write_hdf5(path, "scalar", scalar_tensor(1.0));
  expect_error([&] { Hdf5Array(path, "scalar"); }, {"scalar"});
}

// Files written with the HDF5 C API itself, not mica's writer.
void write_raw(const std::string& path) {
  const hid_t f = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  const hsize_t dims[1] = {3};
  const hid_t space = H5Screate_simple(1, dims, nullptr);
  const int16_t i16[3] = {-300, 0, 32767};
  hid_t d = H5Dcreate2(f, "i16", H5T_STD_I16BE, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  H5Dwrite(d, H5T_NATIVE_INT16, H5S_ALL, H5S_ALL, H5P_DEFAULT, i16);
  H5Dclose(d);
  const uint32_t u32[3] = {0, 7, 4000000000u};
  d = H5Dcreate2(f, "u32", H5T_STD_U32LE, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  H5Dwrite(d, H5T_NATIVE_UINT32, H5S_ALL, H5S_ALL, H5P_DEFAULT, u32);
  H5Dclose(d);
  const hid_t str = H5Tcopy(H5T_C_S1);
  H5Tset_size(str, 4);
  d = H5Dcreate2(f, "names", str, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  H5Dwrite(d, str, H5S_ALL, H5S_ALL, H5P_DEFAULT, "abcdefghijkl");
  H5Dclose(d);
  H5Tclose(str);
  const hid_t g = H5Gcreate2(f, "group", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  H5Gclose(g);
  H5Sclose(space);
  H5Fclose(f);
}

TEST(Hdf5, ReadsForeignFilesAndWidensIntegers) {
  const std::string path = scratch("raw.h5");
  write_raw(path);
  Tensor i16 = read_hdf5(path, "i16");
  EXPECT_EQ(i16.dtype(), kInt32);
  EXPECT_EQ(i16.select(0, 0).item<int32_t>(), -300);  // big-endian on disk, converted
  EXPECT_EQ(i16.select(0, 2).item<int32_t>(), 32767);
  Tensor u32 = read_hdf5(path, "u32");
  EXPECT_EQ(u32.dtype(), kInt64);
  EXPECT_EQ(u32.select(0, 2).item<int64_t>(), 4000000000);
  expect_error([&] { read_hdf5(path, "names"); }, {"unsupported element type"});
  expect_error([&] { read_hdf5(path, "group"); }, {"'group'", "is not a dataset"});
}

TEST(Hdf5, ClearErrors) {
  const std::string path = scratch("errors.h5");
  write_hdf5(path, "weights", ones({2}));
  expect_error([&] { read_hdf5(path, "bias"); },
               {"read_hdf5", "dataset 'bias' not found", "errors.h5", "weights"});
  expect_error([&] { read_hdf5(path, "a/b/c"); }, {"'a/b/c' not found"});
  expect_error([&] { Hdf5Array(path, "nope"); }, {"Hdf5Array", "'nope' not found"});
  expect_error([] { read_hdf5("/nonexistent/m.h5", "x"); },
               {"file not found", "/nonexistent/m.h5"});
  const std::string text = scratch("text.h5");
  std::ofstream(text) << "not hdf5";
  expect_error([&] { read_hdf5(text, "x"); }, {"not an HDF5 file"});
  expect_error([&] { write_hdf5(text, "x", ones({1}), {.append = true}); }, {"not an HDF5 file"});
  expect_error([&] { write_hdf5(path, "", ones({1})); }, {"empty dataset name"});
}

}  // namespace
}  // namespace mica::data

namespace mica::data {
namespace {

TEST(Hdf5Dataset, ServesNamedFieldsThroughTheDataLoader) {
  const std::string path = (std::filesystem::temp_directory_path() /
                            ("mica_hdf5_dataset_" + std::to_string(::getpid()) + ".h5"))
                               .string();
  write_hdf5(path, "images", arange(0.0, 24.0, 1.0).view({6, 2, 2}));
  write_hdf5(path, "labels", arange(6), {.append = true});
  auto ds = std::make_shared<Hdf5Dataset>(path, std::vector<std::string>{"images", "labels"});
  ASSERT_EQ(ds->size(), 6);
  const Example e = ds->get(4);
  EXPECT_EQ(e["images"].sizes(), (Shape{2, 2}));
  EXPECT_EQ(e["images"].select(0, 1).select(0, 1).item<float>(), 19.0f);
  EXPECT_EQ(e["labels"].item<int64_t>(), 4);
  int64_t seen = 0;
  for (const Batch& b : DataLoader(ds, {.batch_size = 4, .num_workers = 2}))
    seen += b["labels"].size(0);
  EXPECT_EQ(seen, 6);
  EXPECT_THROW(ds->get(6), Error);
  ds.reset();  // closes the file before writing to it again
  write_hdf5(path, "short", arange(3), {.append = true});
  EXPECT_THROW(Hdf5Dataset(path, {"images", "short"}), Error);
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace mica::data
