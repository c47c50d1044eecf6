// mica's public API in one header: #include <mica/mica.h> (installed) or "mica.h" (in tree).
#pragma once

#include "data/idx.h"
#include "data/png.h"
#include "data/tokenizer/bpe.h"
#include "data/tokenizer/chat_template.h"
#include "data/tokenizer/collate.h"
#include "data/tokenizer/pre_tokenize.h"
#include "data/tokenizer/tokenizer.h"
#include "tensor/allocator.h"
#include "tensor/ops.h"
#include "tensor/parallel.h"
#include "tensor/tensor.h"
