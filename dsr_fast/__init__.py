__version__ = "0.0.1"

import warnings
# fastai imports a module that calls torch.jit.script, which PyTorch >= 2.10 deprecates: silenced for the whole package,
# before any of its modules imports fastai
warnings.filterwarnings('ignore', message='.*torch.jit.script.*is deprecated', category=FutureWarning)
