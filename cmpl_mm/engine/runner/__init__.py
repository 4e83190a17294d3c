from .fast_resume_loop import FastResumeIterBasedTrainLoop
from .quiet_console_runner import QuietConsoleRunner

__all__ = ['FastResumeIterBasedTrainLoop', 'QuietConsoleRunner']
