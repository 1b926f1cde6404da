// Training kernels (backward passes, SGD): each file re-exports its functions here.
