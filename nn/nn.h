// The nn library in one header: Module and containers, init, layers, LoRA and StateDict.
#pragma once

#include "nn/containers.h"
#include "nn/init.h"
#include "nn/layers/activation.h"
#include "nn/layers/basic.h"
#include "nn/layers/dropout.h"
#include "nn/layers/embedding.h"
#include "nn/layers/linear.h"
#include "nn/layers/normalization.h"
#include "nn/lora.h"
#include "nn/module.h"
#include "nn/state_dict.h"
