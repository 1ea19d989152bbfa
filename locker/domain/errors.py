"""Errors raised by the domain rules."""


class DomainError(Exception):
    """Base of every error the domain raises; its message is fit to show a person."""


class IllegalTransitionError(DomainError):
    """A state change that the transition table does not allow."""


class InvalidInputError(DomainError):
    """A value from outside (a form, a file, a command line) that breaks a rule."""
