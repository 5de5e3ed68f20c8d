namespace Undb.Features.Tables.Components;

/// <summary>
/// The errors a record form shows: one per field and a summary naming them all. A fixed value clears its field's error,
/// but the error keeps its room (an empty helper line, an invisible summary) until the next save. Otherwise the form
/// shrinks while the pointer is on its way to Save: the user fixes a value, the blur clears the error between mouse
/// down and mouse up, the button moves up and the click is lost.
/// </summary>
public sealed class RecordFormErrors
{
    private Dictionary<string, string> _errors = [];
    private readonly HashSet<string> _cleared = [];

    /// <summary>The summary of the last refused save, or a message; kept (invisible) once every error is fixed.</summary>
    public string? Summary { get; private set; }

    /// <summary>Every error of the last save has been fixed: the summary keeps its room but is not shown.</summary>
    public bool SummaryCleared { get; private set; }

    public string? For(FieldEntity field) => _errors.GetValueOrDefault(field.Name);

    /// <summary>The field had an error that a change cleared; its editor keeps the line the message took.</summary>
    public bool ClearedFor(FieldEntity field) => _cleared.Contains(field.Name);

    /// <summary>A save begins (or another record is shown): nothing is kept.</summary>
    public void Reset()
    {
        _errors = [];
        _cleared.Clear();
        Summary = null;
        SummaryCleared = false;
    }

    /// <summary>Each error at its field, and all of them named in the summary: nothing was written, the typed text stays.</summary>
    public void Refused(RecordValidationException ex)
    {
        Reset();
        _errors = ex.Errors.GroupBy(e => e.Field).ToDictionary(g => g.Key, g => g.First().Message);
        Summary = RecordErrorText.NothingSaved(ex);
    }

    public void Failed(string message)
    {
        Reset();
        Summary = message;
    }

    /// <summary>A changed value takes its field's old error with it (and the summary once none is left).</summary>
    public void Changed(FieldEntity field)
    {
        if (_errors.Remove(field.Name))
        {
            _cleared.Add(field.Name);
            SummaryCleared = _errors.Count == 0;
        }
    }
}
