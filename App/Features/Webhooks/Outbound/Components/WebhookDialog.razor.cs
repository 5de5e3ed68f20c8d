using Microsoft.JSInterop;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.Extensions.Options;
using MudBlazor;
using Undb.Components.Shared;
using Undb.Features.Accounts;
using Undb.Features.Tables;
using Undb.Infrastructure;
using Undb.Realtime;

namespace Undb.Features.Webhooks.Outbound.Components;

/// <summary>
/// Create (no <see cref="Existing"/>) or edit a webhook; closes with the saved <see cref="WebhookDto"/>. Follows schema
/// changes while open: the condition keeps fields by id and shows their current names.
/// </summary>
public partial class WebhookDialog : IDisposable
{
    [Inject] private WebhookService Webhooks { get; set; } = default!;
    [Inject] private WebhookDraftTester DraftTester { get; set; } = default!;
    [Inject] private IOptionsMonitor<WebhooksOptions> Options { get; set; } = default!;
    [Inject] private TableService Tables { get; set; } = default!;
    [Inject] private TableChangeNotifier TableChanges { get; set; } = default!;
    [Inject] private IScrollManager Scroll { get; set; } = default!;
    [Inject] private IJSRuntime JS { get; set; } = default!;

    [CascadingParameter] private IMudDialogInstance Dialog { get; set; } = default!;
    [CascadingParameter] private Task<AuthenticationState>? AuthState { get; set; }

    /// <summary>The webhook's table; null for a workspace webhook (every table except those it leaves out).</summary>
    [Parameter] public TableSnapshot? Table { get; set; }

    /// <summary>The webhook to edit; null to create one.</summary>
    [Parameter] public WebhookDto? Existing { get; set; }

    private TableSnapshot? _table;
    /// <summary>A workspace webhook's choice of tables to leave out.</summary>
    private IReadOnlyList<TableSnapshot> _tables = [];
    private IDisposable? _subscription;
    private WebhookDraft _draft = new();
    private Dictionary<string, string[]> _errors = [];
    private string? _error;
    private readonly FocusAfterRender _focusAfterRender = new();
    private bool _saving;
    private bool _testing;
    private DraftTestResult? _test;
    /// <summary>Set when a test result arrives: it sits below the settings, so it is scrolled into view once rendered.</summary>
    private bool _showTestResult;
    private string _savedShape = "";
    private UnsavedChangesGuard _guard = default!;
    private bool _headersOpen;
    private bool _conditionOpen;
    private bool _deliveryOpen;
    private bool _catalogOpen;
    private bool _payloadOpen;

    private bool TestDisabled => _testing || Has("url");

    private string HeadersTitle => _draft.Headers.Count == 0 ? "Custom headers" : $"Custom headers ({_draft.Headers.Count})";

    private string DeliveryTitle => (_draft.Ordered, _draft.MaxPerSecond) switch
    {
        (false, null) => "Delivery: as fast as possible, in parallel",
        (true, null) => "Delivery: ordered",
        (false, { } max) => $"Delivery: at most {max}/s",
        (true, { } max) => $"Delivery: ordered, at most {max}/s",
    };

    private string PayloadTitle => string.IsNullOrWhiteSpace(_draft.PayloadTemplate)
        ? "Payload: standard JSON event"
        : $"Payload: {Templates.PayloadPresets.Matching(_draft.PayloadTemplate)?.Label ?? "custom template"}";

    private string ConditionTitle => _draft.Condition.IsEmpty ? "Condition (optional)" : "Condition";

    protected override async Task OnInitializedAsync()
    {
        _table = Table;
        _draft = Existing is null ? new WebhookDraft() : WebhookDraft.From(Existing);
        _savedShape = Shape();
        _headersOpen = _draft.Headers.Count > 0;
        // Open when there is a condition, so a problem with it (a deleted field) is in view.
        _conditionOpen = !_draft.Condition.IsEmpty;
        _deliveryOpen = _draft.Ordered || _draft.MaxPerSecond is not null;
        _payloadOpen = !string.IsNullOrWhiteSpace(_draft.PayloadTemplate);
        if (Table is null)
        {
            _subscription = TableChanges.SubscribeAll(OnWorkspaceChangeAsync);
            _tables = await Tables.ListAsync();
        }
        else
        {
            _subscription = TableChanges.Subscribe(Table.Id, OnTableChangeAsync);
            // Subscribed first, then read: a field renamed just before the dialog opened (whose news the page may not
            // have shown yet, and this dialog did not hear) is in this read; one renamed after it is heard.
            if (await Tables.GetAsync(Table.Id) is { } current)
            {
                _table = current;
            }
        }
    }

    /// <summary>A table created, renamed or deleted elsewhere: the list of tables to leave out follows.</summary>
    private Task OnWorkspaceChangeAsync(TableChange change) => change.Kind is TableChangeKind.RecordsChanged
        ? Task.CompletedTask
        : InvokeAsync(async () =>
        {
            try
            {
                _tables = await Tables.ListAsync();
                StateHasChanged();
            }
            catch (Exception ex)
            {
                await DispatchExceptionAsync(ex);
            }
        });

    /// <summary>A field renamed, added or deleted elsewhere: show the current names (and flag deleted ones) at once.</summary>
    private Task OnTableChangeAsync(TableChange change) => change.Kind is not (TableChangeKind.SchemaChanged or TableChangeKind.TableDeleted)
        ? Task.CompletedTask
        : InvokeAsync(async () =>
        {
            try
            {
                if (await Tables.GetAsync(change.TableId) is { } table)
                {
                    _table = table;
                }
                else
                {
                    _error = "This webhook's table was deleted.";
                }
                StateHasChanged();
            }
            catch (Exception ex)
            {
                await DispatchExceptionAsync(ex);
            }
        });

    public void Dispose() => _subscription?.Dispose();

    private bool Has(string key) => _errors.ContainsKey(key);

    private string? ErrorFor(string key) => _errors.TryGetValue(key, out var e) ? e[0] : null;

    private bool HasPrefix(string prefix) => _errors.Keys.Any(k => k.StartsWith(prefix, StringComparison.Ordinal));

    private string? ErrorForPrefix(string prefix) => _errors.Where(e => e.Key.StartsWith(prefix, StringComparison.Ordinal)).Select(e => e.Value[0]).FirstOrDefault();

    /// <summary>Validated as you type with the engine's own rule, so the message here is the one saving would give.</summary>
    private void OnUrlChanged(string? value)
    {
        _draft.Url = value ?? "";
        _errors.Remove("url");
        if (WebhookUrls.Validate(_draft.Url, Options.CurrentValue.AllowPrivateNetworks, out _) is { } error)
        {
            _errors["url"] = [error];
        }
    }

    private async Task<string?> ActorAsync() => AuthState is null ? null : (await AuthState).User.UserId();

    /// <summary>What the request would be, to tell whether an existing webhook has unsaved edits.</summary>
    private string Shape()
    {
        try
        {
            return System.Text.Json.JsonSerializer.Serialize(_draft.ToRequest(_table));
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
        {
            return "";
        }
    }

    private async Task SaveAsync()
    {
        if (_saving)
        {
            return;
        }
        _saving = true;
        _error = null;
        _errors = [];
        try
        {
            var request = _draft.ToRequest(_table);
            var saved = Existing is null
                ? (await Webhooks.CreateAsync(_table?.Id, request, await ActorAsync())).Webhook
                : await Webhooks.UpdateAsync(Existing.Id, request, setCondition: true);
            Dialog.Close(DialogResult.Ok(saved));
        }
        catch (BadRequestException ex)
        {
            ShowErrors(ex);
        }
        catch (NotFoundException ex)
        {
            _error = ex.Message;
        }
        finally
        {
            _saving = false;
        }
    }

    /// <summary>
    /// An unchanged saved webhook is tested through the engine (the test lands in its history); a new one or unsaved
    /// edits go through the draft tester, which sends exactly what would be sent and stores nothing.
    /// </summary>
    private async Task SendTestAsync()
    {
        _testing = true;
        _error = null;
        _test = null;
        try
        {
            if (Existing is not null && Shape() == _savedShape)
            {
                var attempt = await Webhooks.SendTestAsync(Existing.Id, await ActorAsync());
                _test = new DraftTestResult(attempt.ToDto(), false);
            }
            else
            {
                _test = await DraftTester.SendAsync(_table?.Id ?? TestTableId(), Existing?.Id, _draft.ToRequest(_table), await ActorAsync());
            }
        }
        catch (BadRequestException ex)
        {
            ShowErrors(ex);
        }
        catch (NotFoundException ex)
        {
            _error = ex.Message;
        }
        finally
        {
            _testing = false;
            _showTestResult = _test is not null;
        }
    }

    /// <summary>A workspace webhook's test event names the first table it covers.</summary>
    private string TestTableId() => _tables.FirstOrDefault(t => !_draft.ExcludedTableIds.Contains(t.Id))?.Id
        ?? throw new BadRequestException("This workspace webhook covers no table yet; create a table (or include one) to send a test event.");

    private string TableName(string id) => _tables.FirstOrDefault(t => t.Id == id)?.Name ?? id;

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        if (_showTestResult)
        {
            _showTestResult = false;
            await Scroll.ScrollIntoViewAsync("#webhook-test-result", ScrollBehavior.Smooth);
        }
        await _focusAfterRender.ApplyAsync(JS);
    }

    /// <summary>Errors go next to their field; only what no field shows becomes the alert.</summary>
    private void ShowErrors(BadRequestException ex)
    {
        _errors = ex.Errors?.ToDictionary(e => e.Key, e => e.Value) ?? [];
        _headersOpen |= HasPrefix("headers");
        _conditionOpen |= HasPrefix("condition");
        _deliveryOpen |= Has("maxPerSecond");
        _payloadOpen |= Has("payloadTemplate") || Has("contentType");
        var placed = _errors.Keys.All(k => k is "name" or "url" or "method" || k.StartsWith("events", StringComparison.Ordinal)
            || k.StartsWith("excludedTableIds", StringComparison.Ordinal) || k is "maxPerSecond" or "payloadTemplate" or "contentType"
            || k.StartsWith("headers", StringComparison.Ordinal) || k.StartsWith("condition.filters[", StringComparison.Ordinal)
            || k.StartsWith("condition.changedFields", StringComparison.Ordinal));
        _error = _errors.Count == 0 || !placed ? ex.Message : "Fix the highlighted settings.";
        if (_errors.Count > 0)
        {
            // The keyboard goes to the first field in error (once its section has opened), not left on Save.
            _focusAfterRender.Set(".mud-dialog .mud-input-error input, .mud-dialog .mud-input-error textarea, .mud-dialog [aria-invalid=true]");
        }
    }
}
