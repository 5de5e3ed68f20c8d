using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Forms;
using MudBlazor;
using Undb.Features.Accounts;
using Undb.Infrastructure;

namespace Undb.Features.Tables.Components;

public partial class CsvImportDialog
{
    /// <summary>The largest file the dialog reads; bigger imports belong to the bulk API.</summary>
    public const long MaxFileBytes = 50 * 1024 * 1024;
    private const int MaxErrorsShown = 100;

    [Inject] private CsvImporter Importer { get; set; } = default!;
    [Inject] private ISnackbar Snackbar { get; set; } = default!;
    [Inject] private AuthenticationStateProvider Auth { get; set; } = default!;
    [Inject] private Microsoft.JSInterop.IJSRuntime JS { get; set; } = default!;

    [CascadingParameter]
    private IMudDialogInstance Dialog { get; set; } = default!;

    [Parameter, EditorRequired]
    public TableSnapshot Table { get; set; } = default!;

    private string? _fileName;
    private string? _parseError;
    private string[]? _headers;
    private List<string[]> _rows = [];
    private List<string?> _mapping = [];
    private CsvImportMode _mode = CsvImportMode.AllOrNothing;
    private bool _importing;
    private int _done;
    private int _toWrite;
    private CsvImportResult? _result;
    private bool _ready;

    private double Percent => _result is not null ? 100 : _toWrite == 0 ? 0 : 100.0 * _done / _toWrite;

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        if (firstRender)
        {
            _ready = true;
            StateHasChanged();
            // The keyboard starts inside the dialog, on the one thing to do first (it stayed on the page's button).
            await JS.FocusWhenShownAsync("#csv-choose");
        }
    }

    /// <summary>All or nothing refused the file for its bad rows: importing the rest is one button away.</summary>
    private bool CanSkipBadRows => _result is { WroteNothing: true } && _mode == CsvImportMode.AllOrNothing && _result.Errors.Count > 0;

    /// <summary>After all-or-nothing refused the file: the same rows and mapping again, skipping the bad rows.</summary>
    private async Task SkipBadRowsAsync()
    {
        _mode = CsvImportMode.SkipBadRows;
        _result = null;
        await ImportAsync();
    }

    private string Sample(int column) => _rows.Count > 0 && column < _rows[0].Length ? _rows[0][column] : "";

    private async Task OnFileAsync(InputFileChangeEventArgs e)
    {
        _parseError = null;
        _headers = null;
        _fileName = e.File.Name;
        try
        {
            await using var stream = e.File.OpenReadStream(MaxFileBytes);
            using var reader = new StreamReader(stream);
            var rows = CsvFormat.Parse(await reader.ReadToEndAsync());
            if (rows.Count == 0)
            {
                _parseError = "The file is empty.";
                return;
            }
            _headers = rows[0];
            _rows = rows.Skip(1).ToList();
            _mapping = CsvImporter.AutoMatch(_headers, Table).ToList();
        }
        catch (FormatException ex)
        {
            _parseError = $"This is not valid CSV: {ex.Message}";
        }
        catch (IOException ex)
        {
            _parseError = $"The file could not be read ({ex.Message}). Files up to {MaxFileBytes / 1024 / 1024} MB can be imported.";
        }
    }

    private async Task ImportAsync()
    {
        if (_headers is null || _importing)
        {
            return;
        }
        _importing = true;
        _done = 0;
        _toWrite = 0;
        try
        {
            var user = (await Auth.GetAuthenticationStateAsync()).User.UserId();
            var request = new CsvImportRequest(Table.Id, _rows, _mapping, _mode);
            _result = await Importer.ImportAsync(request, user, async p =>
            {
                _done = p.Done;
                _toWrite = p.Total;
                await InvokeAsync(StateHasChanged);
            });
            Snackbar.Add(Summary(_result), _result.WroteNothing ? Severity.Error : Severity.Success);
        }
        catch (Exception ex) when (ex is BadRequestException or NotFoundException or RecordValidationException)
        {
            Snackbar.Add($"The import stopped: {ex.Message}", Severity.Error);
        }
        finally
        {
            _importing = false;
        }
        // The buttons at the end: the keyboard was on the Import button, which is gone now.
        await JS.FocusWhenShownAsync(CanSkipBadRows ? "#import-skip-bad" : "#import-close");
    }

    private static string Summary(CsvImportResult r) => r switch
    {
        { WroteNothing: true, Errors.Count: > 0 } => $"Nothing was imported: {r.Errors.Count:N0} problem{(r.Errors.Count == 1 ? "" : "s")} found. Fix the file, or choose to skip bad rows.",
        { WroteNothing: true } => "Nothing was imported: the file has no rows.",
        { Skipped: > 0 } => $"Imported {r.Imported:N0} record{(r.Imported == 1 ? "" : "s")}; skipped {r.Skipped:N0} bad row{(r.Skipped == 1 ? "" : "s")}.",
        _ => $"Imported {r.Imported:N0} record{(r.Imported == 1 ? "" : "s")}.",
    };

    private void Close() => Dialog.Close(_result is null ? DialogResult.Cancel() : DialogResult.Ok(_result));
}
