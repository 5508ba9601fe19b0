"""Validation: strict syntax, SHACL with inference off, OWL RL consistency (:mod:`.shacl`);
the report as text (:mod:`.report`)."""

from kzlod.validation.shacl import Finding, ValidationReport, validate

__all__ = ["Finding", "ValidationReport", "validate"]
