namespace Undb.Features.Tables.Components;

/// <summary>How forms sum up a rejected record: every problem with its field's name, so none goes unseen.</summary>
public static class RecordErrorText
{
    /// <summary>"Nothing was saved. Value expects a number, got "12k". Deal is required."</summary>
    public static string NothingSaved(RecordValidationException ex) =>
        "Nothing was saved. " + string.Join(" ", ex.Errors.Select(e => $"{e.Field} {e.Message}.").Distinct());
}
