"""sgc.set_device: the CPU by default, a clear error for a GPU that is not there,
and the same propagated features on the GPU as on the CPU where one is."""
import numpy as np
import pytest
import scipy.sparse as sp

import sgc
from sgc import _core


def test_cpu_is_the_default_and_names_are_checked():
    assert sgc.get_device() == "cpu"
    with pytest.raises(sgc.ArgumentError, match="device"):
        sgc.set_device("gpu")
    assert sgc.get_device() == "cpu"


@pytest.mark.skipif(_core.cuda_unavailable_reason() == "", reason="a GPU is present")
def test_cuda_without_a_gpu_says_why():
    with pytest.raises(sgc.Error, match="cuda"):
        sgc.set_device("cuda")
    assert sgc.get_device() == "cpu"


@pytest.mark.skipif(_core.cuda_unavailable_reason() != "", reason="no usable CUDA GPU")
def test_gpu_propagation_equals_cpu():
    rng = np.random.default_rng(0)
    a = sp.random(300, 300, density=0.02, random_state=1, format="csr")
    a = ((a + a.T) > 0).astype(np.float32)
    x = rng.random((300, 16), dtype=np.float32)
    cpu = sgc.propagate(a, x, k=3, op="ssgc")
    sgc.set_device("cuda")
    try:
        gpu = sgc.propagate(a, x, k=3, op="ssgc")
    finally:
        sgc.set_device("cpu")
    np.testing.assert_allclose(gpu, cpu, rtol=1e-4, atol=1e-6)
