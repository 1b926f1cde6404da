// Forward-pass kernels (conv, pooling, GEMM, ...): each file re-exports its functions here.
