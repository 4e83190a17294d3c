# CMPL's default auxiliary (aux_r3d50_quarter.py) for the optical-flow view:
# its first convolution takes the 2 flow channels (x, y), as mmaction2's flow
# backbones do (in_channels=2).
_base_ = ['./aux_r3d50_quarter.py']

auxiliary = dict(backbone=dict(in_channels=2))
