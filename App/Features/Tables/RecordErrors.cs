namespace Undb.Features.Tables;

/// <summary>One problem with one value: which field, what is wrong, and for bulk input which item (0-based).</summary>
public sealed record FieldError(string Field, string Message, int? Index = null)
{
    public override string ToString() => Index is null ? $"{Field}: {Message}" : $"#{Index}: {Field}: {Message}";
}

/// <summary>Input was rejected; nothing was written.</summary>
public sealed class RecordValidationException(IReadOnlyList<FieldError> errors)
    : Exception(errors.Count == 1 ? errors[0].ToString() : $"{errors.Count} values are invalid: " + string.Join("; ", errors.Take(5)))
{
    public IReadOnlyList<FieldError> Errors { get; } = errors;
}

/// <summary>A table, field or record that does not exist (or not in that table).</summary>
public sealed class NotFoundException(string message) : Exception(message);

/// <summary>
/// A request that is well-formed JSON but asks for something impossible (duplicate name, bad type, …): 400, or 422
/// (<see cref="Status"/>) where the fields are well-formed but their values cannot be used.
/// </summary>
public sealed class BadRequestException(string message, IReadOnlyDictionary<string, string[]>? errors = null, int status = 400) : Exception(message)
{
    public IReadOnlyDictionary<string, string[]>? Errors { get; } = errors;

    public int Status { get; } = status;
}

/// <summary>
/// A request that would break something the caller may not know about (a field still used by webhooks): 409, with
/// what is in the way in <see cref="Extensions"/>, and nothing changed.
/// </summary>
public sealed class ConflictException(string message, IReadOnlyDictionary<string, object?>? extensions = null) : Exception(message)
{
    public IReadOnlyDictionary<string, object?> Extensions { get; } = extensions ?? new Dictionary<string, object?>();
}

/// <summary>The caller's role does not allow this (403), checked by the service itself where it depends on what is asked.</summary>
public sealed class ForbiddenException(string message) : Exception(message);

/// <summary>Something that existed and is no longer usable (a used or expired link): 410.</summary>
public sealed class GoneException(string message) : Exception(message);
