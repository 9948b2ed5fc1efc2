"""Typed engine errors. ``code`` is stable: the faces map it to their wire codes in one table each."""


class EngineError(Exception):
    code = "engine_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UnsupportedFormat(EngineError):
    code = "unsupported_format"


class CorruptImage(EngineError):
    code = "corrupt_image"


class ImageTooLarge(EngineError):
    code = "image_too_large"


class TargetUnreachable(EngineError):
    code = "target_unreachable"


class InvalidSpec(EngineError):
    code = "invalid_spec"


class TruncatedImage(CorruptImage):
    code = "truncated_image"


class DecompressionBomb(ImageTooLarge):
    code = "decompression_bomb"
