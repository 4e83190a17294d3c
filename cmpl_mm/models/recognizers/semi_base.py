"""The shared logic of every semi-supervised recognizer in cmpl_mm."""
import difflib
import functools
import inspect
from typing import Dict, List, Optional, Tuple, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.logging import MessageHub
from mmengine.model import BaseModel
from mmaction.registry import MODELS

from .semi_train_cfg import (ConfigError, semi_train_cfg_problems,
                             validate_semi_train_cfg)
from ..pseudo_label import (ConstantWeight, EMATeacher, MixDraw,
                            PseudoLabelRecord, StepContext, StudentRecord,
                            build_pseudo_labelers, build_weight_schedule,
                            publish_record)
from ..pseudo_label.mixing import mixed_forward
from ..modalities import MODALITIES, MODALITY_CHANNELS, to_modality
from ..utils import (channels_last_3d_wanted, concurrent_forward,
                     frozen_bn_running_stats, network_to_channels_last_3d)
from .ema_teachers import EMATeachersMixin, ema_settings
from .modality_cfg import in_channels_problems, modality_of
from .nonfinite_guard import NonFiniteGuardMixin

Scores = Dict[str, Dict[str, torch.Tensor]]  # scores[network][view]


@MODELS.register_module()
class SemiBaseRecognizer(EMATeachersMixin, NonFiniteGuardMixin, BaseModel):
    """A deployed ``primary`` recognizer trained on labeled + unlabeled clips.

    An algorithm is a thin subclass that states class-level facts:
    :attr:`teachers` (which network's weak-view prediction teaches which
    network; FixMatch ``{'primary': 'primary'}``, CMPL primary and
    auxiliary each other, supervised none) and, where it differs from
    FixMatch's, :attr:`default_semi_train_cfg` (its default parts). Every
    step is a method a subclass may override: :meth:`network_scores`,
    :meth:`sup_losses`, :meth:`teacher_probs`, :meth:`student_losses`.
    Validation, test and export use :meth:`deployed_network` (``primary``).

    A training batch (from ``MultiViewDataPreprocessor``) is::

        inputs       = {'sup': (B, 1, C, T, H, W),
                        'weak': (mu*B, 1, C, T, H, W),   # unlabeled views,
                        'strong': (mu*B, 1, C, T, H, W)} # same frames
        data_samples = {'sup': [ActionDataSample with gt_label] * B, ...}

    Each taught network gets its own pseudo-labeling parts
    (:mod:`cmpl_mm.models.pseudo_label`), set in ``semi_train_cfg``::

        teacher  whose weak view teaches       (LiveTeacher, EMATeacher)
        align    adjusts its probabilities     (NoAlignment, ...)
        target   what is fitted                (HardTarget, SoftTarget)
        mask     the weight of each clip       (FixedThreshold, ...)
        loss     how it is fitted              (PseudoLabelCrossEntropy, ...)
        mix      is the student's input mixed  (NoMix, TubeCutMix, ...)

    ``docs/algorithms.md`` lists every registered part (a test keeps that
    table equal to the registry). Each key takes a part config for every
    taught network, a dict of them keyed by the taught network, or a dict
    of arguments without ``type`` that overrides the algorithm's default
    part (``teacher=dict(momentum=0.99)``). A mask with a threshold takes
    ``semi_train_cfg.threshold`` unless its own config sets it. Every part
    sees a :class:`~cmpl_mm.models.pseudo_label.StepContext` (iteration,
    supervised loss) once per step.

    How each network sees the views is ``semi_train_cfg.unlabeled_forward``:

    * ``'joint'`` (default): one forward of the labeled, weak and strong
      clips concatenated, as the reference FixMatch does. Batch-norm
      normalises every view with the statistics of the whole batch, and
      its running statistics (used by validation and test) are those of
      that mixture, strongly augmented clips included.
    * ``'separate'``: the labeled clips in a forward of their own, then the
      weak and strong clips together in a second one that leaves the
      batch-norm running statistics alone (see
      :func:`~cmpl_mm.models.utils.frozen_bn_running_stats`).

    A network forwards the weak view only when it teaches live, and the
    strong view only when it is taught.

    Args:
        primary (dict): Config of an mmaction2 recognizer (e.g.
            ``Recognizer3D`` with ``backbone`` and ``cls_head``).
        semi_train_cfg (dict, optional): Training hyper-parameters:
            ``threshold`` (confidence to accept a pseudo-label, 0.95),
            ``sup_weight`` (1.0), ``unsup_weight`` (1.0), ``warmup_iters``
            (iterations with the supervised loss only, 0),
            ``unlabeled_forward`` (``'joint'`` or ``'separate'``, see
            above; ``'joint'``), ``concurrent_networks`` (forward the
            networks on separate CUDA streams, see
            :func:`~cmpl_mm.models.utils.concurrent_forward`; False),
            ``nonfinite_loss`` (``'raise'`` or
            ``'skip'``, see :class:`NonFiniteGuardMixin`), and the parts
            ``teacher``, ``align``, ``target``, ``mask``, ``loss``,
            ``mix`` (see above).
            ``student_view`` (the view a taught network fits: ``'strong'``,
            or ``'weak'`` for Pseudo-Label's same-view targets;
            ``'strong'``), ``modality`` (what each network sees of every
            clip, labeled, weak and strong, in training, validation and
            test: ``'rgb'``, ``'tg'``, the temporal gradient derived
            from the decoded clip, or ``'flow'``, the optical flow loaded
            with it (``LoadFlowForFrames``; the network's backbone then
            takes ``in_channels=2``), see
            :mod:`cmpl_mm.models.modalities`; a dict keyed by network,
            e.g. ``dict(auxiliary='tg')``; ``'rgb'``). ``threshold`` and
            ``unsup_weight`` may be dicts keyed by the taught network;
            ``unsup_weight`` (or each value of it) may be a weight
            schedule such as
            ``dict(type='SigmoidRampUp', value=1.0, ramp_iters=1000)`` that
            starts at ``warmup_iters`` (see
            :mod:`cmpl_mm.models.pseudo_label.schedules`). Unknown keys and bad values raise
            :class:`~cmpl_mm.config_check.ConfigError` naming the
            key. Defaults to None.
        unsup_loss (dict, optional): Deprecated spelling of
            ``semi_train_cfg.loss``. Defaults to None.
        data_preprocessor (dict, optional): Usually a
            ``MultiViewDataPreprocessor``. Defaults to None.
        init_cfg (dict, optional): Initialisation config. Defaults to None.
    """

    #: taught network -> the network whose weak-view prediction teaches it
    teachers: Dict[str, str] = {}

    #: the ``semi_train_cfg`` key that says what the networks see
    modality_setting = 'modality'

    default_semi_train_cfg = dict(
        threshold=0.95,
        sup_weight=1.0,
        unsup_weight=1.0,
        warmup_iters=0,
        unlabeled_forward='joint',
        concurrent_networks=False,
        nonfinite_loss='raise',
        student_view='strong',
        modality='rgb',
        teacher=dict(type='LiveTeacher'),
        align=dict(type='NoAlignment'),
        target=dict(type='HardTarget'),
        mask=dict(type='FixedThreshold'),
        loss=dict(type='PseudoLabelCrossEntropy'),
        mix=dict(type='NoMix'))

    def __init__(self,
                 primary: dict,
                 semi_train_cfg: Optional[dict] = None,
                 unsup_loss: Optional[dict] = None,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(
            data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        semi_train_cfg = dict(semi_train_cfg or {})
        if unsup_loss is not None:
            semi_train_cfg.setdefault('loss', unsup_loss)
        validate_semi_train_cfg(semi_train_cfg, self.teachers,
                                'semi_train_cfg.', self.semi_train_cfg_keys())
        self.semi_train_cfg = dict(self.default_semi_train_cfg)
        self.semi_train_cfg.update(semi_train_cfg)
        problems = modality_problems(self.semi_train_cfg['modality'],
                                     self.network_names(),
                                     'semi_train_cfg.modality')
        if problems:
            raise ConfigError(problems)
        self.build_networks(primary)
        problems = in_channels_problems(
            {n: getattr(net, 'backbone', None)
             for n, net in self.networks().items()},
            {n: self.input_channels(n, self.semi_train_cfg)
             for n in self.networks()}, '')
        if problems:
            raise ConfigError(problems)
        self._build_pseudo_labelers()
        self.unsup_weights = {
            student: build_weight_schedule(
                self.train_setting('unsup_weight', student))
            for student in self.teachers
        }
        # converted before a DDP wrapper sees the weights; ``.to(device)``
        # keeps the layout
        device = 'cuda' if torch.cuda.is_available() else 'cpu'
        if channels_last_3d_wanted(
                getattr(self.data_preprocessor, 'channels_last_3d', False),
                device):
            network_to_channels_last_3d(self)

    def build_networks(self, primary: dict) -> None:
        """Build the trained networks (a subclass adds its own after
        calling this)."""
        self.primary = MODELS.build(primary)

    @classmethod
    def semi_train_cfg_keys(cls) -> List[str]:
        """The ``semi_train_cfg`` keys this algorithm accepts: those of its
        ``default_semi_train_cfg`` (the one list the config check and the
        model both read)."""
        return list(cls.default_semi_train_cfg)

    @classmethod
    def network_names(cls) -> List[str]:
        """The networks of the algorithm, ``primary`` first."""
        names = ['primary'] + [n for pair in cls.teachers.items()
                               for n in pair]
        return list(dict.fromkeys(names))

    @classmethod
    def config_problems(cls, model: dict, prefix: str = 'model.'
                        ) -> List[str]:
        """Every problem of a model config of this algorithm that shows
        before any data is read (``check_config`` asks the registered
        class): the ``semi_train_cfg`` schema, the parts built from it,
        and :meth:`labeler_problems`. A subclass adds its own checks.

        Args:
            model (dict): The ``model`` config.
            prefix (str): Key path printed before each key.
        """
        problems = cls.model_key_problems(model, prefix)
        semi_cfg = model.get('semi_train_cfg')
        path = f'{prefix}semi_train_cfg.'
        problems += semi_train_cfg_problems(semi_cfg, cls.teachers, path,
                                            cls.semi_train_cfg_keys())
        if isinstance(semi_cfg, dict) and 'modality' in semi_cfg:
            problems += modality_problems(semi_cfg['modality'],
                                          cls.network_names(),
                                          f'{path}modality')
        if problems or not (semi_cfg is None or isinstance(semi_cfg, dict)):
            return problems
        merged = dict(cls.default_semi_train_cfg, **(semi_cfg or {}))
        labelers, problems = build_pseudo_labelers(
            merged, cls.default_semi_train_cfg, cls.teachers,
            cls.network_names(), path)
        nets = {n: model.get(n) for n in cls.network_names()}
        backbones = {n: net['backbone'] for n, net in nets.items()
                     if isinstance(net, dict)
                     and isinstance(net.get('backbone'), dict)}
        channels = in_channels_problems(
            backbones, {n: cls.input_channels(n, merged) for n in backbones},
            prefix)
        return problems or cls.labeler_problems(
            labelers, merged, path) + cls.mix_problems(
                labelers, {n: b.get('type') for n, b in backbones.items()},
                path) + channels

    @classmethod
    def network_modalities(cls, semi_train_cfg: dict) -> Dict[str, List[str]]:
        """The modalities each network is fed in training, by network.

        Args:
            semi_train_cfg (dict): ``semi_train_cfg`` merged with the
                algorithm's defaults.
        """
        return {n: [modality_of(semi_train_cfg['modality'], n)]
                for n in cls.network_names()}

    @classmethod
    def input_channels(cls, network: str, semi_train_cfg: dict
                       ) -> Tuple[Optional[int], str]:
        """``(channels, why)``: the input channels ``network``'s backbone
        must take, and the setting that says so (for the message)."""
        modality = cls.network_modalities(semi_train_cfg)[network][0]
        return MODALITY_CHANNELS.get(modality), \
            f'sees {modality!r} (semi_train_cfg.modality)'

    @classmethod
    def eval_modalities(cls, model: dict) -> List[str]:
        """The modalities validation and test feed the networks of a model
        config (the config check asks the pipelines for them): the deployed
        network's."""
        return cls.network_modalities(cls.merged_semi_train_cfg(model))[
            'primary']

    @classmethod
    def merged_semi_train_cfg(cls, model: dict) -> dict:
        """The ``semi_train_cfg`` of a model config over the defaults."""
        semi = model.get('semi_train_cfg')
        return dict(cls.default_semi_train_cfg,
                    **(semi if isinstance(semi, dict) else {}))

    @classmethod
    def model_keys(cls) -> List[str]:
        """The ``model`` config keys this algorithm takes: ``type`` and the
        named arguments of its ``__init__`` and its parents'."""
        keys = ['type']
        for klass in cls.__mro__:
            if '__init__' in vars(klass) and issubclass(
                    klass, SemiBaseRecognizer):
                params = inspect.signature(klass.__init__).parameters
                keys += [n for n, p in params.items() if n != 'self' and
                         p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
        return list(dict.fromkeys(keys))

    @classmethod
    def model_key_problems(cls, model: dict, prefix: str) -> List[str]:
        """A ``model`` key the algorithm does not take (CMPL's
        ``auxiliary`` on a FixMatch config), named before the run."""
        keys = cls.model_keys()
        problems = []
        for key in sorted(set(model) - set(keys)):
            close = difflib.get_close_matches(key, keys, n=1)
            hint = f' (did you mean {close[0]!r}?)' if close else ''
            problems.append(
                f'{prefix}{key}: {cls.__name__} takes no {key!r}{hint}; '
                f'its keys are {keys}')
        return problems

    @classmethod
    def labeler_problems(cls, labelers: Dict[str, nn.Module],
                         semi_train_cfg: dict, prefix: str) -> List[str]:
        """Rules about the built parts: one EMA setting per averaged
        network. An algorithm with a rule of its own (Mean Teacher: the
        teacher is an EMA) extends it.

        Args:
            labelers (dict): Taught network -> its ``PseudoLabeler``.
            semi_train_cfg (dict): The merged ``semi_train_cfg``.
            prefix (str): Key path of ``semi_train_cfg``.
        """
        return ema_settings(labelers, prefix)[1]

    @classmethod
    def mix_problems(cls, labelers: Dict[str, nn.Module],
                     backbones: Dict[str, object], prefix: str) -> List[str]:
        """A student-input mix the taught network's backbone (type name or
        class by network) cannot take: a token mix on a CNN."""
        return list(dict.fromkeys(
            p for student, labeler in labelers.items()
            for p in labeler.mix.backbone_problems(backbones.get(student),
                                                   f'{prefix}mix')))

    def _build_pseudo_labelers(self) -> None:
        """The parts of every taught network and the EMA copies they use."""
        prefix = 'semi_train_cfg.'
        labelers, problems = build_pseudo_labelers(
            self.semi_train_cfg, self.default_semi_train_cfg, self.teachers,
            list(self.networks()), prefix)
        problems = problems or self.labeler_problems(
            labelers, self.semi_train_cfg, prefix) + self.mix_problems(
                labelers, {n: type(getattr(net, 'backbone', None))
                           for n, net in self.networks().items()}, prefix)
        if problems:
            raise ConfigError(problems)
        self.pseudo_labelers = nn.ModuleDict(labelers)
        self.build_ema_networks(ema_settings(labelers, prefix)[0])

    # -- networks --------------------------------------------------------
    def networks(self) -> Dict[str, nn.Module]:
        """The trained networks by name; ``primary`` comes first."""
        return dict(primary=self.primary)

    def deployed_network(self) -> nn.Module:
        """The network that validation, test and export use."""
        return self.primary

    @classmethod
    def deployed_prefix(cls) -> str:
        """State-dict prefix of :meth:`deployed_network`'s weights."""
        return 'primary.'

    def loss_prefix(self, network: str) -> str:
        """What the network's loss keys carry after ``sup_`` / ``unsup_``:
        nothing for ``primary``, ``'<network>_'`` for the others."""
        return '' if network == 'primary' else f'{network}_'

    def rank_local_buffers(self):
        """Buffers each rank estimates from its own clips (batch-norm
        statistics), which ``SyncLiveBuffersHook`` averages; the EMA copies
        and the pseudo-labeling state are the same on every rank."""
        return ((k, b) for k, b in self.named_buffers()
                if not k.startswith(('ema_networks.', 'pseudo_labelers.')))

    # -- schedule and settings -------------------------------------------
    def train_setting(self, key: str, network: str):
        """Read ``semi_train_cfg[key]``, per network when it is a dict of
        networks (not a schedule, which has ``type``)."""
        value = self.semi_train_cfg[key]
        if isinstance(value, dict) and 'type' not in value:
            return value[network]
        return value

    @staticmethod
    def current_iteration() -> int:
        """The runner's iteration of this step (0 outside a runner)."""
        return MessageHub.get_current_instance().get_info('iter', 0)

    def unsup_active(self) -> bool:
        """False during the supervised warm-up."""
        if not self.teachers:
            return False
        return self.current_iteration() >= self.semi_train_cfg[
            'warmup_iters']

    def modality_of(self, network: str) -> str:
        """What ``network`` sees (``semi_train_cfg.modality``)."""
        return modality_of(self.semi_train_cfg['modality'], network)

    def network_inputs(self, network: str, inputs):
        """``inputs`` (a clip batch, or a dict of them by view) in the
        modality ``network`` sees, derived on the model's device."""
        modality = self.modality_of(network)
        if isinstance(inputs, dict):
            return {view: to_modality(x, modality)
                    for view, x in inputs.items()}
        return to_modality(inputs, modality)

    def unsup_weight(self, student: str) -> float:
        """``semi_train_cfg.unsup_weight`` of ``student`` at this step (its
        schedule's value)."""
        return self.unsup_weights[student](
            self.current_iteration() - self.semi_train_cfg['warmup_iters'])

    def step_context(self, student: str,
                     losses: Dict[str, torch.Tensor]) -> StepContext:
        """The :class:`StepContext` of ``student`` for this step."""
        sup = losses.get(f'sup_{self.loss_prefix(student)}loss_cls')
        return StepContext(
            network=student, iteration=self.current_iteration(),
            unsup_start=self.semi_train_cfg['warmup_iters'],
            sup_loss=None if sup is None else sup.detach())

    def nonfinite_mode(self) -> str:
        return self.semi_train_cfg['nonfinite_loss']

    # -- forward modes ---------------------------------------------------
    def forward(self,
                inputs: Union[torch.Tensor, Dict[str, torch.Tensor]],
                data_samples=None,
                mode: str = 'tensor'):
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        if mode == 'predict':
            return self.predict(inputs, data_samples)
        if mode == 'tensor':
            return self.deployed_network()(
                self.network_inputs('primary', inputs), data_samples,
                mode='tensor')
        raise RuntimeError(f'Invalid mode "{mode}"; only "loss", "predict" '
                           'and "tensor" are supported')

    def predict(self, inputs: torch.Tensor, data_samples: List) -> List:
        """Predict with :meth:`deployed_network` (on ``primary``'s
        modality)."""
        return self.deployed_network().predict(
            self.network_inputs('primary', inputs), data_samples)

    # -- the training step, as a template --------------------------------
    def loss(self, inputs: Dict[str, torch.Tensor],
             data_samples: Dict[str, list]) -> Dict[str, torch.Tensor]:
        """Supervised and (after warm-up) pseudo-label losses.

        Args:
            inputs (dict[str, Tensor]): Clips by view (see class doc).
            data_samples (dict[str, list]): Data samples by view.

        Returns:
            dict[str, Tensor]: ``sup_*`` and ``unsup_*`` losses and stats.
        """
        if not isinstance(inputs, dict) or 'sup' not in inputs:
            raise ValueError(
                'A semi-supervised recognizer expects inputs grouped by view '
                "({'sup': ..., 'weak': ..., 'strong': ...}); check that the "
                'training pipelines end with MultiView and the model uses '
                'MultiViewDataPreprocessor.')
        if self.ema_networks and not self.ema_hooked:
            raise RuntimeError(
                'this model has EMA teachers but no EMATeacherHook updates '
                "them; add dict(type='EMATeacherHook') to custom_hooks (the "
                'base config configs/_base_/default_runtime.py has it)')
        unlabeled = self.unsup_active() and 'weak' in inputs
        net_inputs = {name: self.network_inputs(name, inputs)
                      for name in self.networks()}
        mix_draws = self.mix_student_inputs(net_inputs) if unlabeled else {}
        scores = concurrent_forward(
            {
                name: functools.partial(
                    self.network_scores, net, net_inputs[name],
                    self.views_of(name, unlabeled),
                    (self.mixed_view(), mix_draws[name])
                    if name in mix_draws else None)
                for name, net in self.networks().items()
            },
            enabled=self.semi_train_cfg['concurrent_networks'],
            shared_inputs=inputs)
        losses = self.sup_losses(scores, data_samples['sup'])
        if self.training:
            for student, labeler in self.pseudo_labelers.items():
                labeler.observe_step(self.step_context(student, losses))
        if unlabeled:
            probs = self.teacher_probs(inputs, scores)
            losses.update(
                self.student_losses(scores, probs, data_samples, mix_draws))
        return losses

    def mix_student_inputs(self, net_inputs: Dict[str, Dict[str, torch.Tensor]]
                           ) -> Dict[str, MixDraw]:
        """Replace each taught network's student view by its mix rule's
        mix (in place in ``net_inputs``); ``{student: MixDraw}`` of the
        rules that mix, for :meth:`student_losses`."""
        view = self.mixed_view()
        draws = {}
        for student, labeler in self.pseudo_labelers.items():
            clips = net_inputs[student].get(view)
            if labeler.mix.mixes and clips is not None:
                draws[student] = labeler.mix.draw_for(
                    clips, self.networks()[student])
                net_inputs[student] = dict(
                    net_inputs[student],
                    **{view: labeler.mix.mix_inputs(clips, draws[student])})
        return draws

    def mixed_view(self) -> str:
        """The view a student-input mix applies to (the student view)."""
        return self.semi_train_cfg['student_view']

    def views_of(self, network: str, unlabeled: bool) -> List[str]:
        """The views ``network`` forwards: ``sup``, then ``weak`` when it
        teaches live or is taught on it, ``strong`` when it is taught on
        it (``semi_train_cfg.student_view``)."""
        views = ['sup']
        if unlabeled:
            taught = network in self.pseudo_labelers
            student_view = self.semi_train_cfg['student_view']
            if any(p.teacher.network == network
                   and p.teacher.needs_live_weak_view
                   for p in self.pseudo_labelers.values()) or (
                       taught and student_view == 'weak'):
                views.append('weak')
            if taught and student_view == 'strong':
                views.append('strong')
        return views

    def network_scores(self, net: nn.Module, inputs: Dict[str, torch.Tensor],
                       views: List[str], mixed=None
                       ) -> Dict[str, torch.Tensor]:
        """Class scores of ``net`` for ``views``, forwarded as
        ``semi_train_cfg.unlabeled_forward`` says (see the class doc);
        ``mixed``, ``(view, MixDraw)``, a mix applied in the forward."""
        if (self.semi_train_cfg['unlabeled_forward'] == 'joint'
                or views == ['sup']):
            return self.view_scores(net, [inputs[v] for v in views], views,
                                    mixed)
        scores = self.view_scores(net, [inputs['sup']], ['sup'])
        unlabeled = [v for v in views if v != 'sup']
        with frozen_bn_running_stats(net):
            scores.update(
                self.view_scores(net, [inputs[v] for v in unlabeled],
                                 unlabeled, mixed))
        return scores

    @staticmethod
    def view_scores(net: nn.Module, view_inputs: List[torch.Tensor],
                    views: List[str], mixed=None) -> Dict[str, torch.Tensor]:
        """Class scores of ``net`` for every view, in one joint forward
        (the rows of a token-mixed view mixed in it, see
        :func:`~cmpl_mm.models.pseudo_label.mixing.mixed_forward`)."""
        sizes = [x.shape[0] for x in view_inputs]
        if len({x.shape[1:] for x in view_inputs}) > 1:
            raise ValueError(
                'all views must share one clip shape for the joint forward, '
                f'got {dict(zip(views, [tuple(x.shape) for x in view_inputs]))}'
            )
        with mixed_forward(net, mixed, views, view_inputs):
            feats, _ = net.extract_feat(torch.cat(view_inputs))
        return dict(zip(views, net.cls_head(feats).split(sizes)))

    def sup_losses(self, scores: Scores,
                   samples: list) -> Dict[str, torch.Tensor]:
        """Every network's head loss on the labeled clips, weighted by
        ``semi_train_cfg.sup_weight``."""
        losses = {}
        sup_weight = self.semi_train_cfg['sup_weight']
        for name, net in self.networks().items():
            sup = net.cls_head.loss_by_feat(scores[name]['sup'], samples)
            for key, value in sup.items():
                if 'loss' in key:
                    value = value * sup_weight
                losses[f'sup_{self.loss_prefix(name)}{key}'] = value
        return losses

    def teacher_probs(self, inputs: Dict[str, torch.Tensor],
                      scores: Scores) -> Dict[str, torch.Tensor]:
        """Detached weak-view probabilities of every teacher, keyed by the
        taught network."""
        probs, cache = {}, {}
        for student, labeler in self.pseudo_labelers.items():
            teacher = labeler.teacher
            key = (type(teacher), teacher.network)
            if key not in cache:
                live = scores.get(teacher.network, {}).get('weak')
                weak = self.network_inputs(teacher.network, inputs['weak'])
                cache[key] = teacher.logits(
                    weak, live, self.ema_networks).softmax(dim=1)
            probs[student] = cache[key]
        return probs

    def teacher_name(self, student: str) -> str:
        """``'auxiliary'``, or ``'ema_primary'`` for an EMA teacher."""
        teacher = self.pseudo_labelers[student].teacher
        ema = 'ema_' if isinstance(teacher, EMATeacher) else ''
        return f'{ema}{teacher.network}'

    def student_losses(self, scores: Scores, probs: Dict[str, torch.Tensor],
                       data_samples: Dict[str, list],
                       mix_draws: Optional[Dict[str, MixDraw]] = None
                       ) -> Dict[str, torch.Tensor]:
        """Every taught network's pseudo-label loss on its
        ``semi_train_cfg.student_view`` (the strong view by default),
        weighted by ``semi_train_cfg.unsup_weight``; publishes the step's
        :class:`PseudoLabelRecord` for the hooks.

        Returns:
            dict[str, Tensor]: ``unsup_*loss_cls`` and ``unsup_*mask_ratio``;
            ``unsup_*weight`` when the weight follows a ramp. A student
            with a ``mix_draws`` entry fits the mixed targets (hard ones
            made one-hot) with the mixed clip weights.
        """
        losses = {}
        record = PseudoLabelRecord(
            num_classes=next(iter(probs.values())).shape[1])
        indices = self.unlabeled_indices(data_samples)
        labeled = self.labeled_targets(data_samples)
        view = self.semi_train_cfg['student_view']
        for student, labeler in self.pseudo_labelers.items():
            targets, weights, used = labeler(probs[student], labeled, indices)
            fit_targets, fit_weights = targets, weights
            if student in (mix_draws or {}):
                if labeler.target.kind == 'hard':
                    fit_targets = F.one_hot(
                        targets, used.shape[1]).to(used.dtype)
                fit_targets, fit_weights = labeler.mix.mix_targets(
                    fit_targets, weights, mix_draws[student])
            loss = labeler.loss(scores[student][view], fit_targets,
                                fit_weights)
            prefix = f'unsup_{self.loss_prefix(student)}'
            weight = self.unsup_weight(student)
            losses[f'{prefix}loss_cls'] = loss * weight
            losses[f'{prefix}mask_ratio'] = weights.mean()
            if not isinstance(self.unsup_weights[student], ConstantWeight):
                losses[f'{prefix}weight'] = loss.new_tensor(weight)
            for key, value in labeler.mask.extra_losses(
                    scores[student][view], weights).items():
                losses[f'{prefix}{key}'] = value
            confidence, labels = used.max(dim=1)
            teacher = self.teacher_name(student)
            record.students[student] = StudentRecord(
                teacher=teacher, labels=labels, weights=weights,
                confidence=confidence,
                threshold=labeler.mask.current_threshold())
            record.predictions.setdefault(teacher, labels)
        publish_record(record)
        return losses

    @staticmethod
    def labeled_targets(data_samples: Dict[str, list]) -> torch.Tensor:
        """Classes of the labeled clips ``(B,)`` (empty when unknown)."""
        samples = [s for s in data_samples.get('sup') or [] if s is not None]
        labels = [s.gt_label.reshape(-1)[:1] for s in samples
                  if 'gt_label' in s]
        return torch.cat(labels) if labels else torch.zeros(
            0, dtype=torch.long)

    @staticmethod
    def unlabeled_indices(data_samples: Dict[str, list]
                          ) -> Optional[torch.Tensor]:
        """Index of each unlabeled clip in its dataset, when the samples
        carry it (``sample_idx`` in the metainfo)."""
        samples = data_samples.get('weak') or []
        indices = [s.metainfo.get('sample_idx') for s in samples]
        if not indices or any(i is None for i in indices):
            return None
        return torch.as_tensor(indices)


def modality_problems(value, networks: List[str], path: str) -> List[str]:
    """Problems of ``semi_train_cfg.modality``: a known modality, for
    every network or by network name.

    Args:
        value: The setting (a modality, or a dict of them by network).
        networks (list[str]): The algorithm's networks.
        path (str): Key path for the messages.
    """
    entries = value.items() if isinstance(value, dict) else [(None, value)]
    problems = []
    for network, modality in entries:
        key = path if network is None else f'{path}.{network}'
        if network is not None and network not in networks:
            problems.append(f'{key}: no such network; this algorithm has '
                            f'{networks}')
        elif not (isinstance(modality, str) and modality in MODALITIES):
            problems.append(f'{key}={modality!r}: must be one of '
                            f'{list(MODALITIES)}')
    return problems
