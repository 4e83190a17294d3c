from .fast_resume_loop import FastResumeIterBasedTrainLoop

__all__ = ['FastResumeIterBasedTrainLoop']
