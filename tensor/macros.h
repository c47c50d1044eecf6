// Portability macros shared by host and CUDA code (MICA_HD marks __host__ __device__ code).
#pragma once

#if defined(__CUDACC__)
#define MICA_HD __host__ __device__
#define MICA_INLINE __host__ __device__ __forceinline__
#else
#define MICA_HD
#define MICA_INLINE inline
#endif
