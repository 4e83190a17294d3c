"""FlexMatch, FreeMatch, SoftMatch and distribution alignment as parts:
each against values worked out by hand from the paper's definition on
fixed tensors, plus their state through a checkpoint and in CMPL."""
import math

import pytest
import torch
from mmengine.registry import init_default_scope
from mmaction.registry import MODELS

from cmpl_mm.models.pseudo_label import (DistributionAlignment,
                                         FlexMatchThreshold,
                                         FreeMatchThreshold, SoftMatchWeight)

init_default_scope('mmaction')


def close(actual, expected, atol=1e-5):
    torch.testing.assert_close(
        torch.as_tensor(actual).double(),
        torch.as_tensor(expected).double(), atol=atol, rtol=0)


# -- FlexMatch ------------------------------------------------------------
def flex_step(mask, rows, indices):
    return mask(torch.tensor(rows), torch.tensor(indices))


def test_flexmatch_thresholds_by_hand():
    """FlexMatch (Zhang et al., 2021), threshold warm-up, convex mapping:
    sigma(c) = #clips whose latest confident (max p >= tau) class is c,
    beta(c) = sigma(c) / max(max_c sigma, #unused clips),
    T(c) = M(beta(c)) * tau,  M(x) = x / (2 - x);
    a clip counts when max p >= T(argmax p), with the thresholds from
    before the step's clips are remembered.

    tau = 0.9, 6 unlabeled clips, 3 classes. Step 1 (nothing remembered:
    beta = 0, T = 0, every clip counts) remembers clip 0 -> 0, 2 -> 2,
    3 -> 0 (clip 1 at 0.85 is not confident): sigma = (2, 0, 1), 3 unused,
    beta = (2/3, 0, 1/3), T = (0.5 * 0.9, 0, 0.2 * 0.9) = (0.45, 0, 0.18).
    Step 2: clip 1 (class 2 at 0.5 >= 0.18) counts, clip 0 (class 0 at
    0.4 < 0.45) does not, clip 4 (class 1 at 0.91 >= 0) counts and is
    remembered: sigma = (2, 1, 1), 2 unused, beta = (1, 1/2, 1/2),
    T = (0.9, 1/3 * 0.9, 1/3 * 0.9).
    """
    mask = FlexMatchThreshold(threshold=0.9, num_unlabeled=6)
    mask.train()
    weights = flex_step(mask, [[0.95, 0.03, 0.02], [0.10, 0.85, 0.05],
                               [0.05, 0.05, 0.90], [0.92, 0.04, 0.04]],
                        [0, 1, 2, 3])
    close(weights, [1, 1, 1, 1])
    assert mask.memory.tolist() == [0, -1, 2, 0, -1, -1]
    assert mask.counts.tolist() == [2, 0, 1, 3]
    close(mask.learning_effect(), [2 / 3, 0, 1 / 3])
    close(mask.current_threshold(), [0.45, 0.0, 0.18])

    weights = flex_step(mask, [[0.2, 0.3, 0.5], [0.4, 0.35, 0.25],
                               [0.05, 0.91, 0.04]], [1, 0, 4])
    close(weights, [1, 0, 1])
    assert mask.memory.tolist() == [0, -1, 2, 0, 1, -1]
    close(mask.current_threshold(), [0.9, 0.3, 0.3])


def test_flexmatch_without_warmup_and_other_mappings():
    """Without warm-up beta(c) = sigma(c) / max_c sigma; after step 1 of the
    test above sigma = (2, 0, 1): beta = (1, 0, 1/2). Convex: T = (0.9,
    0, (1/2)/(3/2) * 0.9 = 0.3); linear M(x) = x: T = (0.9, 0, 0.45);
    concave M(x) = log2(1 + x): T = (0.9, 0, log2(1.5) * 0.9)."""
    rows = [[0.95, 0.03, 0.02], [0.10, 0.85, 0.05], [0.05, 0.05, 0.90],
            [0.92, 0.04, 0.04]]
    expected = dict(convex=[0.9, 0, 0.3], linear=[0.9, 0, 0.45],
                    concave=[0.9, 0, math.log2(1.5) * 0.9])
    for mapping, thresholds in expected.items():
        mask = FlexMatchThreshold(threshold=0.9, num_unlabeled=6,
                                  mapping=mapping, warmup=False)
        flex_step(mask, rows, [0, 1, 2, 3])
        close(mask.current_threshold(), thresholds)


def test_flexmatch_memory_keeps_the_latest_class_and_counts_match():
    """A remembered clip that is predicted confidently as another class
    moves to it (sigma follows); a clip twice in one step keeps its last
    prediction; an unconfident prediction leaves the memory alone. The
    class counts kept next to the memory always equal a full recount, and
    evaluation mode changes nothing."""
    mask = FlexMatchThreshold(threshold=0.9, num_unlabeled=6)
    flex_step(mask, [[0.95, 0.03, 0.02]], [0])
    flex_step(mask, [[0.0, 0.95, 0.05], [0.0, 0.05, 0.95],
                     [0.95, 0.05, 0.0], [0.5, 0.5, 0.0]], [0, 5, 5, 3])
    assert mask.memory.tolist() == [1, -1, -1, -1, -1, 0]
    recount = torch.bincount(torch.where(mask.memory < 0, 3, mask.memory),
                             minlength=4)
    assert mask.counts.tolist() == recount.tolist() == [1, 1, 0, 4]
    generator = torch.Generator().manual_seed(0)
    for _ in range(20):
        probs = torch.rand(5, 3, generator=generator).softmax(1) ** 0.2
        probs = (probs / probs.sum(1, keepdim=True)) ** 4
        probs = probs / probs.sum(1, keepdim=True)
        flex_step(mask, probs.tolist(),
                  torch.randint(0, 6, (5, ), generator=generator).tolist())
    recount = torch.bincount(torch.where(mask.memory < 0, 3, mask.memory),
                             minlength=4)
    assert mask.counts.tolist() == recount.tolist()
    memory = mask.memory.clone()
    mask.eval()
    flex_step(mask, [[0.0, 0.0, 1.0]] * 2, [1, 2])
    assert torch.equal(mask.memory, memory)


def test_flexmatch_says_what_is_missing():
    mask = FlexMatchThreshold()
    probs = torch.tensor([[0.9, 0.1]])
    with pytest.raises(RuntimeError, match='PseudoLabelMemoryHook'):
        mask(probs, torch.tensor([0]))
    mask.set_num_unlabeled(4)
    with pytest.raises(RuntimeError, match='sample_idx'):
        mask(probs, None)
    with pytest.raises(IndexError, match='outside the memory of 4'):
        mask(torch.tensor([[0.99, 0.01]]), torch.tensor([7]))
    with pytest.raises(ValueError, match='holds 4 unlabeled clips'):
        mask.set_num_unlabeled(5)
    with pytest.raises(ValueError, match='mapping'):
        FlexMatchThreshold(mapping='cubic')


# -- FreeMatch ------------------------------------------------------------
FREE_PROBS = [[0.6, 0.3, 0.1], [0.2, 0.7, 0.1], [0.44, 0.31, 0.25],
              [0.1, 0.2, 0.7]]


def test_freematch_thresholds_by_hand():
    """FreeMatch (Wang et al., 2023), state from 1/C, then with m = 0.5:
    tau_t = m tau + (1 - m) mean_n max p_n
          = 0.5/3 + 0.5 * (0.6 + 0.7 + 0.44 + 0.7)/4 = 0.4716667,
    p~_t  = m/3 + (1 - m) mean_n p_n
          = 0.5/3 + 0.5 * (1.34, 1.51, 1.15)/4 = (0.3341667, 0.3554167,
            0.3104167),
    h~_t  = 0.5/3 + 0.5 * (2, 1, 1)/4 (argmax shares)
          = (0.4166667, 0.2916667, 0.2916667),
    T(c)  = tau_t p~_t(c) / max p~_t = (0.4434662, 0.4716667, 0.4119480);
    the clips' top probabilities 0.6 (c0), 0.7 (c1), 0.44 (c0), 0.7 (c2)
    give weights (1, 1, 0, 1): the state moves before the mask."""
    mask = FreeMatchThreshold(momentum=0.5)
    weights = mask(torch.tensor(FREE_PROBS))
    close(mask.time_p, [0.4716667])
    close(mask.p_model, [0.3341667, 0.3554167, 0.3104167])
    close(mask.label_hist, [0.4166667, 0.2916667, 0.2916667])
    close(mask.current_threshold(), [0.4434662, 0.4716667, 0.4119480])
    close(weights, [1, 1, 0, 1])
    # evaluation mode reads the state without moving it
    mask.eval()
    state = {k: v.clone() for k, v in mask.state_dict().items()}
    close(mask(torch.tensor(FREE_PROBS)), [1, 1, 0, 1])
    for key, value in mask.state_dict().items():
        assert torch.equal(value, state[key]), key


def test_freematch_fairness_loss_by_hand():
    """Self-adaptive fairness, L_f = -H(SumNorm(p~/h~), SumNorm(q_bar /
    h_bar)) = sum_c SumNorm(p~/h~)(c) log SumNorm(q_bar/h_bar)(c) over the
    counted clips' strong-view probabilities q. With p~ = (0.5, 0.3, 0.2),
    h~ = (0.5, 0.25, 0.25): SumNorm(p~/h~) = (1, 1.2, 0.8)/3. Counted q:
    (0.7, 0.2, 0.1) and (0.2, 0.5, 0.3) (a third clip has weight 0):
    h_bar = (1/2, 1/2, 0), 1/h_bar = (2, 2, 0) (1/0 -> 0), q_bar = (0.45,
    0.35, 0.2), SumNorm(q_bar / h_bar) = (0.9, 0.7, 0)/1.6. So L_f =
    1/3 ln(0.5625) + 0.4 ln(0.4375) + 0.8/3 ln(1e-12), times the weight
    0.1; off (no key) when the weight is 0."""
    mask = FreeMatchThreshold(fairness_weight=0.1, num_classes=3)
    mask.p_model.copy_(torch.tensor([0.5, 0.3, 0.2]))
    mask.label_hist.copy_(torch.tensor([0.5, 0.25, 0.25]))
    logits = torch.tensor([[0.7, 0.2, 0.1], [0.2, 0.5, 0.3],
                           [0.1, 0.1, 0.8]]).log().requires_grad_(True)
    losses = mask.extra_losses(logits, torch.tensor([1.0, 1.0, 0.0]))
    expected = 0.1 * (math.log(0.5625) / 3 + 0.4 * math.log(0.4375) +
                      0.8 / 3 * math.log(1e-12))
    close(losses['loss_fairness'], expected)
    losses['loss_fairness'].backward()
    assert logits.grad[2].abs().sum() == 0  # the uncounted clip
    assert FreeMatchThreshold().extra_losses(logits, torch.ones(3)) == {}
    none_counted = mask.extra_losses(logits, torch.zeros(3))
    assert none_counted['loss_fairness'].item() == 0.0


# -- SoftMatch ------------------------------------------------------------
def test_softmatch_weights_by_hand():
    """SoftMatch (Chen et al., 2023): with confidences x = max p, from
    mu = 1/C = 0.25, sigma2 = 1 and m = 0.5:
    mu_t = m mu + (1 - m) mean x = 0.125 + 0.5 * 2.05/4 = 0.38125,
    sigma2_t = m sigma2 + (1 - m) var x (unbiased)
             = 0.5 + 0.5 * 0.171875/3 = 0.5286458;
    w(x) = exp(-(x - mu)^2 / (2 sigma2 / n_sigma^2)) below mu, else 1:
    x = (0.4, 0.6, 0.8, 0.25) -> (1, 1, 1, exp(-0.13125^2 / (2 *
    0.5286458 / 4))). With mu = 0.5, sigma2 = 0.01 set and no update
    (evaluation), x = 0.4 -> exp(-0.1^2 / (2 * 0.01 / 4)) = exp(-2),
    x = 0.25 -> exp(-0.25^2 / 0.005)."""
    probs = torch.tensor([[0.4, 0.3, 0.2, 0.1], [0.6, 0.2, 0.1, 0.1],
                          [0.8, 0.1, 0.05, 0.05], [0.25, 0.25, 0.25, 0.25]])
    rule = SoftMatchWeight(momentum=0.5)
    weights = rule(probs)
    close(rule.mean, [0.38125])
    close(rule.var, [0.5286458])
    close(rule.current_threshold(), [0.38125])
    close(weights, [1, 1, 1, math.exp(-0.13125**2 / (2 * 0.5286458 / 4))])
    rule.eval()
    rule.mean.fill_(0.5)
    rule.var.fill_(0.01)
    close(rule(probs), [math.exp(-2), 1, 1, math.exp(-0.25**2 / 0.005)])
    close(rule(torch.tensor([[0.6, 0.4]])), [1.0])  # 0.6 >= mu
    close(rule(torch.tensor([[0.4, 0.35, 0.25]])), [math.exp(-2)])
    # a single clip has no variance: the state stays
    rule.train()
    rule(torch.tensor([[0.9, 0.1]]))
    close(rule.mean, [0.5])


# -- distribution alignment -----------------------------------------------
def test_distribution_alignment_by_hand():
    """AdaMatch-style alignment: from 1/C with m = 0.5,
    p_model = 0.5/3 + 0.5 * mean_n p_n = 0.5/3 + 0.5 * (0.4, 0.45, 0.15),
    p_target = 0.5/3 + 0.5 * (labeled class shares (2, 1, 1)/4),
    p'_n = SumNorm(p_n * p_target / p_model) (eps = 0 here):
    p_0 = (0.6, 0.3, 0.1) -> SumNorm(0.6 * 0.4166667/0.3666667,
    0.3 * 0.2916667/0.3916667, 0.1 * 0.2916667/0.2416667)
    = (0.6645971, 0.2177616, 0.1176413). target='uniform' keeps
    p_target = 1/3."""
    probs = torch.tensor([[0.6, 0.3, 0.1], [0.2, 0.6, 0.2]])
    labeled = torch.tensor([0, 0, 2, 1])
    align = DistributionAlignment(momentum=0.5, eps=0.0)
    aligned = align(probs, labeled)
    close(align.p_model, [0.3666667, 0.3916667, 0.2416667])
    close(align.p_target, [0.4166667, 0.2916667, 0.2916667])
    close(aligned[0], [0.6645971, 0.2177616, 0.1176413])
    close(aligned.sum(1), [1.0, 1.0])
    uniform = DistributionAlignment(target='uniform', momentum=0.5, eps=0.0)
    aligned = uniform(probs, labeled)
    close(uniform.p_target, [1 / 3] * 3)
    scaled = probs[1] / torch.tensor([0.3666667, 0.3916667, 0.2416667])
    close(aligned[1], scaled / scaled.sum())
    # no labeled clips: the labeled distribution stays
    align(probs, torch.zeros(0, dtype=torch.long))
    close(align.p_target, [0.4166667, 0.2916667, 0.2916667])


# -- checkpoints ------------------------------------------------------------
@pytest.mark.parametrize('part', [
    dict(type='FlexMatchThreshold', threshold=0.5),
    dict(type='FreeMatchThreshold', momentum=0.5),
    dict(type='SoftMatchWeight', momentum=0.5),
    dict(type='DistributionAlignment', momentum=0.5)
])
def test_state_sized_on_first_use_survives_a_checkpoint(part):
    """A fresh part (state not sized yet) takes the checkpoint's state
    exactly and then behaves as the saved part."""
    def run(module, probs):
        if isinstance(module, DistributionAlignment):
            return module(probs, torch.tensor([0, 1]))
        return module(probs, torch.tensor([0, 3, 5]))

    saved = MODELS.build(part)
    saved.set_num_unlabeled(8)  # every part has it; a no-op unless it remembers clips
    generator = torch.Generator().manual_seed(0)
    for _ in range(3):
        run(saved, torch.randn(3, 4, generator=generator).softmax(1) ** 0.3)
    fresh = MODELS.build(part)
    fresh.load_state_dict(saved.state_dict())
    for key, value in saved.state_dict().items():
        assert torch.equal(fresh.state_dict()[key], value), key
    probs = torch.randn(3, 4, generator=generator).softmax(1)
    assert torch.equal(run(saved, probs), run(fresh, probs))
    for key, value in saved.state_dict().items():
        assert torch.equal(fresh.state_dict()[key], value), key


def test_a_checkpoint_of_another_class_count_is_refused():
    saved = FreeMatchThreshold(num_classes=4)
    with pytest.raises(RuntimeError, match='size mismatch'):
        FreeMatchThreshold(num_classes=5).load_state_dict(saved.state_dict())


# -- in the recognizers -----------------------------------------------------
def test_cmpl_keeps_one_state_per_taught_network():
    """CMPL + FreeMatch + alignment: each taught network's parts follow
    their own teacher (the primary's state tracks the auxiliary's weak
    predictions and vice versa), and the fairness loss gets each
    network's key."""
    from test_recognizers import build, hand_scores, unsup_losses
    model, _ = build(
        'cmpl',
        align=dict(type='DistributionAlignment', momentum=0.5),
        mask=dict(type='FreeMatchThreshold', momentum=0.5,
                  fairness_weight=0.1))
    scores = hand_scores()
    losses, record = unsup_losses(model, scores)
    assert 'unsup_loss_fairness' in losses
    assert 'unsup_aux_loss_fairness' in losses
    for student, teacher in model.teachers.items():
        labeler = model.pseudo_labelers[student]
        probs = scores[teacher]['weak'].detach().softmax(1)
        close(labeler.align.p_model, 0.5 / 8 + 0.5 * probs.mean(0))
        assert record.students[student].threshold.shape == (8, )
    primary, aux = (model.pseudo_labelers[n].mask.p_model
                    for n in ('primary', 'auxiliary'))
    assert not torch.allclose(primary, aux)


@pytest.mark.parametrize('algorithm,mask', [
    ('flexmatch', 'FlexMatchThreshold'), ('freematch', 'FreeMatchThreshold'),
    ('softmatch', 'SoftMatchWeight')
])
def test_algorithm_recognizers_default_to_their_rule(algorithm, mask):
    from test_recognizers import build
    model, _ = build(algorithm)
    labeler = model.pseudo_labelers['primary']
    assert type(labeler.mask).__name__ == mask
    assert labeler.teacher.network == 'primary'
    align = 'DistributionAlignment' if algorithm == 'softmatch' else \
        'NoAlignment'
    assert type(labeler.align).__name__ == align


def test_memory_hook_sizes_every_memory_from_the_unlabeled_set():
    """PseudoLabelMemoryHook (before_train, after a resume) gives every
    FlexMatch memory one entry per unlabeled clip; a restored memory of
    another size, or a training set without an unlabeled part, fails
    clearly; models without memories never touch the data."""
    from types import SimpleNamespace

    from cmpl_mm.engine.hooks import PseudoLabelMemoryHook

    class Loader:
        def __init__(self, dataset):
            self.dataset = dataset

    def runner(model, dataset):
        return SimpleNamespace(model=model,
                               train_dataloader=Loader(dataset))

    masks = torch.nn.ModuleDict(dict(primary=FlexMatchThreshold(),
                                     auxiliary=FlexMatchThreshold()))
    hook = PseudoLabelMemoryHook()
    hook.before_train(runner(masks, SimpleNamespace(unlabeled=[0] * 7)))
    assert [len(m.memory) for m in masks.values()] == [7, 7]
    with pytest.raises(ValueError, match='holds 7 unlabeled clips'):
        hook.before_train(runner(masks, SimpleNamespace(unlabeled=[0] * 9)))
    with pytest.raises(RuntimeError, match='no unlabeled part'):
        hook.before_train(runner(torch.nn.ModuleDict(
            dict(primary=FlexMatchThreshold())), SimpleNamespace()))
    hook.before_train(SimpleNamespace(model=torch.nn.Linear(2, 2)))
