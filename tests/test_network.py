"""The network: sizes for both paper versions, the fully-convolutional property, batched xcorr, BN folding."""
import pytest
import torch
import torch.nn.functional as F

from siamfc_plugin.common.errors import ConfigError
from siamfc_plugin.core.network import ARCHITECTURES, AlexNetEmbedding, SiamFC, cross_correlate, fold_batchnorm

ARCHS = sorted(ARCHITECTURES)


@pytest.mark.parametrize("arch", ARCHS)
def test_sizes(arch):
    net = SiamFC(arch).eval()
    with torch.no_grad():
        z = net.embedding(torch.zeros(1, 3, 127, 127))
        x = net.embedding(torch.zeros(1, 3, 255, 255))
        scores = net(torch.zeros(2, 3, 127, 127), torch.zeros(2, 3, 255, 255))
    channels = ARCHITECTURES[arch].channels[-1]
    assert z.shape == (1, channels, 6, 6)
    assert x.shape == (1, channels, 22, 22)
    assert scores.shape == (2, 1, 17, 17)


@pytest.mark.parametrize("arch", ARCHS)
def test_layers_follow_the_paper(arch):
    spec = ARCHITECTURES[arch]
    convs = [m for m in AlexNetEmbedding(arch) if isinstance(m, torch.nn.Conv2d)]
    bns = [m for m in AlexNetEmbedding(arch) if isinstance(m, torch.nn.BatchNorm2d)]
    assert [c.out_channels for c in convs] == list(spec.channels)
    assert [c.groups for c in convs] == list(spec.groups)
    assert [c.kernel_size[0] for c in convs] == [11, 5, 3, 3, 3]
    assert all(c.padding == (0, 0) for c in convs)
    assert len(bns) == 4  # every conv but the last
    pools = [m for m in AlexNetEmbedding(arch) if isinstance(m, torch.nn.MaxPool2d)]
    assert len(pools) == 2


@pytest.mark.parametrize("arch", ARCHS)
def test_fully_convolutional_shift(arch):
    """Eq. 1: shifting the search image by 8k pixels shifts the score map by k (in the valid region)."""
    torch.manual_seed(0)
    net = SiamFC(arch)
    net.initialise()
    net.eval()
    z = torch.rand(1, 3, 127, 127) * 255
    big = torch.rand(1, 3, 255 + 16, 255 + 16) * 255
    with torch.no_grad():
        base = net(z, big[:, :, :255, :255])
        shifted = net(z, big[:, :, 16:16 + 255, 8:8 + 255])  # 2 cells down, 1 cell right
    assert torch.allclose(shifted[0, 0, :-2, :-1], base[0, 0, 2:, 1:], rtol=1e-4, atol=1e-4)


def test_batched_xcorr_matches_loop():
    z = torch.randn(3, 8, 6, 6)
    x = torch.randn(9, 8, 22, 22)
    out = cross_correlate(z, x)
    for i in range(9):
        assert torch.allclose(out[i], F.conv2d(x[i:i + 1], z[i // 3:i // 3 + 1])[0], atol=1e-4)
    with pytest.raises(ValueError):
        cross_correlate(z, x[:8])


@pytest.mark.parametrize("arch", ARCHS)
def test_fold_batchnorm_is_exact(arch):
    torch.manual_seed(1)
    net = SiamFC(arch)
    net.initialise()
    for m in net.modules():  # give BN non-trivial statistics
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.uniform_(-1, 1)
            m.running_var.uniform_(0.5, 2)
            m.weight.data.uniform_(0.5, 1.5)
            m.bias.data.uniform_(-0.5, 0.5)
    net.eval()
    x = torch.rand(2, 3, 127, 127) * 255
    with torch.no_grad():
        ref = net.embedding(x)
        out = fold_batchnorm(net.embedding)(x)
    assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in fold_batchnorm(net.embedding))
    assert torch.allclose(out, ref, rtol=1e-3, atol=1e-3 * ref.abs().max().item())


def test_unknown_architecture():
    with pytest.raises(ConfigError, match="unknown architecture"):
        SiamFC("resnet")


@pytest.mark.parametrize("arch", ARCHITECTURES)
def test_bf16_training_forward_normalises_in_fp32_and_keeps_the_numbers(arch):
    """Under bf16 autocast BatchNorm computes its batch statistics in fp32 and hands back bf16: the network's output
    is exactly the one of BatchNorm handing back fp32 (the next convolution rounds to bf16 anyway, and ReLU and
    max-pooling commute with that rounding); the running statistics are fp32 ones."""
    from siamfc_plugin.core.network import BatchNorm2dFP32

    torch.manual_seed(0)
    z, x = (torch.rand(2, 3, 127, 127) * 255).round(), (torch.rand(2, 3, 255, 255) * 255).round()
    model = SiamFC(arch)
    model.initialise()
    model.train()
    reference = SiamFC(arch)
    reference.load_state_dict(model.state_dict())
    reference.train()

    def fp32_out(self, t):  # BatchNorm handing back fp32: ReLU, pooling and the next cast see fp32
        with torch.autocast("cpu", enabled=False):
            return torch.nn.BatchNorm2d.forward(self, t.float())

    for module in reference.modules():
        if isinstance(module, BatchNorm2dFP32):
            module.forward = fp32_out.__get__(module)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        out = model(z, x)
        expected = reference(z, x)
        assert BatchNorm2dFP32(4)(torch.randn(2, 4, 5, 5, dtype=torch.bfloat16)).dtype == torch.bfloat16
    assert torch.equal(out.float(), expected.float())
    for (name, a), b in zip(model.state_dict().items(), reference.state_dict().values()):
        assert a.dtype == b.dtype and torch.equal(a, b), name  # fp32 running statistics, the same numbers
