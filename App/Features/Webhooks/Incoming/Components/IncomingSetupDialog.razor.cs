using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.Extensions.Options;
using Microsoft.JSInterop;
using Undb.Components.Shared;
using Undb.Infrastructure;
using MudBlazor;
using Undb.Features.Accounts;
using Undb.Features.Tables;
using Undb.Realtime;

namespace Undb.Features.Webhooks.Incoming.Components;

/// <summary>
/// The one-screen setup of an incoming webhook: name, URL and key with copy buttons, the sender's signature scheme, and
/// the mapping: a sample (pasted, taken from the log, or captured from the next request), its keys as a tree, a path per
/// field auto-matched by name, the records path, a live preview through the real mapping engine, and Send test through
/// the real endpoint (<see cref="IncomingTestSender"/>). Without <see cref="Webhook"/> it starts by creating one.
/// </summary>
public partial class IncomingSetupDialog : IDisposable
{
    [Inject] private IncomingWebhookService Hooks { get; set; } = default!;
    [Inject] private IncomingTestSender TestSender { get; set; } = default!;
    [Inject] private RecordQueryService RecordQueries { get; set; } = default!;
    [Inject] private IDialogService Dialogs { get; set; } = default!;
    [Inject] private IJSRuntime JS { get; set; } = default!;
    [Inject] private NavigationManager Navigation { get; set; } = default!;
    [Inject] private IOptions<IncomingWebhooksOptions> Options { get; set; } = default!;
    [Inject] private IncomingWebhookNotifier Notifier { get; set; } = default!;
    [Inject] private TableService Tables { get; set; } = default!;
    [Inject] private TableChangeNotifier TableChanges { get; set; } = default!;
    [Inject] private ISnackbar Snackbar { get; set; } = default!;

    [CascadingParameter]
    private IMudDialogInstance Dialog { get; set; } = default!;

    [CascadingParameter]
    private Task<AuthenticationState>? AuthState { get; set; }

    /// <summary>The webhook to set up; null to create one first.</summary>
    [Parameter]
    public IncomingWebhookView? Webhook { get; set; }

    [Parameter, EditorRequired]
    public TableSnapshot Table { get; set; } = default!;

    /// <summary>A sample to start from; without one the newest logged payload is used.</summary>
    [Parameter]
    public string? Sample { get; set; }

    private TableSnapshot _table = default!;
    private string _sampleText = "";
    private string? _sampleError;
    private JsonNode? _sample;
    private IReadOnlyList<string> _listPaths = [];
    private IReadOnlyList<PayloadKey> _keys = [];
    private string? _recordsPath;
    private string? _upsertBy;
    private IngestOutcome? _testAnswer;
    private IReadOnlyList<RecordSnapshot> _testRecords = [];

    private IncomingWebhookView? _webhook;
    private string _name = "";
    private VerificationDraft _verification = new();
    /// <summary>The API key of a webhook created in this dialog: shown once, here.</summary>
    private string? _issuedKey;
    private bool _createdHere;
    private string? _copied;
    private string? _error;
    private string _shown = "";
    private UnsavedChangesGuard _guard = default!;

    private string Url => IncomingFormat.HookUrl(Options.Value, Navigation.BaseUri, _webhook!.Id);

    /// <summary>Fields a record can be found by: mapped, and of a type that identifies.</summary>
    private IEnumerable<FieldEntity> KeyOptions => _table.Fields.Where(f => RecordService.CanKey(f.Type) && !string.IsNullOrEmpty(_paths.GetValueOrDefault(f.Id)));

    /// <summary>The upsert key, while it is still one of <see cref="KeyOptions"/>.</summary>
    private string? UpsertBy => _upsertBy is { } id && KeyOptions.Any(f => f.Id == id) ? id : null;
    private readonly Dictionary<string, string> _paths = [];
    private MappingResult? _preview;
    private bool _waiting;
    /// <summary>Bumped when the keys change, so the path selects are rebuilt and show the new sample's previews.</summary>
    private int _keysVersion;
    private bool _busy;
    private IDisposable? _subscription;
    private IDisposable? _tableSubscription;

    private HashSet<string> UsedPaths => _paths.Values.ToHashSet();

    private IReadOnlyList<string> MissingRequired =>
        _table.Fields.Where(f => f.Required && string.IsNullOrEmpty(_paths.GetValueOrDefault(f.Id))).Select(f => f.Name).ToList();

    /// <summary>Lists in the sample, plus the saved records path even if this sample lacks it.</summary>
    private IEnumerable<string> RecordsPathOptions =>
        _listPaths.Append(_webhook?.Mapping.RecordsPath).Append(_recordsPath).OfType<string>().Distinct();

    protected override async Task OnInitializedAsync()
    {
        _table = Table;
        _webhook = Webhook;
        _subscription = Notifier.Subscribe(Table.Id, OnActivityAsync);
        _tableSubscription = TableChanges.Subscribe(Table.Id, OnTableChangeAsync);
        // Subscribed first, then read: a field renamed just before the dialog opened is in this read, one after it is heard.
        if (await Tables.GetAsync(Table.Id) is { } current)
        {
            _table = current;
        }
        if (Webhook is null)
        {
            _name = UniqueWebhookName(await Hooks.ListAsync(Table.Id));
            return;
        }
        _name = Webhook.Name;
        _verification = VerificationDraft.From(Webhook.Verification);
        _recordsPath = Webhook.Mapping.RecordsPath;
        _upsertBy = Webhook.Mapping.UpsertBy;
        foreach (var (fieldId, path) in Webhook.Mapping.Fields)
        {
            _paths[fieldId] = path;
        }
        var sample = Sample;
        if (sample is null)
        {
            var logged = await Hooks.ListRequestsAsync(Webhook.Id, 20);
            sample = (logged.FirstOrDefault(r => r.Payload is not null && r.Status is >= 200 and < 300)
                ?? logged.FirstOrDefault(r => r.Payload is not null && r.Status != 400))?.Payload;
        }
        if (sample is not null)
        {
            OnSampleChanged(IncomingFormat.Pretty(sample));
        }
        Refresh();
        _shown = SettingsShape();
    }

    /// <summary>
    /// The name, signature check and mapping as they stand, to tell whether anything was changed since the dialog showed
    /// them (Escape asks before it discards that). Compared with what was shown, not with what is saved: the fields a
    /// logged sample maps by name when the dialog opens are a suggestion, not the user's change.
    /// </summary>
    private string SettingsShape()
    {
        var mapping = CurrentMapping();
        return JsonSerializer.Serialize(new
        {
            Name = _name.Trim(),
            Verification = _verification.ToInput(),
            mapping.RecordsPath,
            mapping.UpsertBy,
            Fields = mapping.Fields.Where(p => p.Value.Length > 0).OrderBy(p => p.Key, StringComparer.Ordinal).ToList(),
        });
    }

    private bool Unsaved => _webhook is not null && SettingsShape() != _shown;

    /// <summary>A key made here, shown once, and not copied with its button (it may have been selected and copied by hand: the guard asks).</summary>
    private bool KeyNotCopied => _issuedKey is not null && !_keyCopied;

    private bool _keyCopied;

    /// <summary>Escape's question is about the key when nothing else is unsaved.</summary>
    private bool AsksAboutKey => !Unsaved && KeyNotCopied;

    /// <summary>Opens the setup of <paramref name="webhook"/>, or of a new webhook on <paramref name="table"/>; the result is the webhook (null if none was made or saved).</summary>
    public static async Task<IncomingWebhookView?> ShowAsync(IDialogService dialogs, TableSnapshot table, IncomingWebhookView? webhook)
    {
        var parameters = new DialogParameters<IncomingSetupDialog> { { d => d.Webhook, webhook }, { d => d.Table, table } };
        var dialog = await dialogs.ShowAsync<IncomingSetupDialog>(webhook is null ? "New incoming webhook" : $"Incoming webhook: {webhook.Name}", parameters,
            new DialogOptions { MaxWidth = MaxWidth.ExtraLarge, FullWidth = true, BackdropClick = false, CloseOnEscapeKey = true });
        return await dialog.Result is { Canceled: false, Data: IncomingWebhookView result } ? result : null;
    }

    /// <summary>"Leads incoming", or "Leads incoming 2" when the table has one by that name.</summary>
    private string UniqueWebhookName(IReadOnlyList<IncomingWebhookView> existing)
    {
        var name = $"{Table.Name} incoming";
        for (var i = 2; existing.Any(h => string.Equals(h.Name, name, StringComparison.OrdinalIgnoreCase)); i++)
        {
            name = $"{Table.Name} incoming {i}";
        }
        return name;
    }

    /// <summary>Enter in the name field: creates the webhook when there is none yet, else saves like the Save button.</summary>
    private Task SubmitNameAsync() => _webhook is null ? CreateAsync() : SaveAsync();

    private async Task CreateAsync()
    {
        if (_webhook is not null || _busy || string.IsNullOrWhiteSpace(_name))
        {
            return;
        }
        _busy = true;
        _error = null;
        try
        {
            var user = AuthState is null ? null : (await AuthState).User.UserId();
            var created = await Hooks.CreateAsync(Table.Id, _name.Trim(), null, enabled: true, user);
            _webhook = created.Webhook;
            _name = created.Webhook.Name;
            _issuedKey = created.ApiKey;
            _createdHere = true;
            _shown = SettingsShape();
            // The name typed to create it is saved: Escape from here asks only about what changes next (or the key).
            await _guard.SavedAsync();
        }
        catch (Exception ex) when (ex is BadRequestException or NotFoundException)
        {
            _error = ex.Message;
        }
        finally
        {
            _busy = false;
        }
    }

    private Task CopyUrlAsync() => CopyAsync("url", Url);

    private Task CopyKeyAsync() => CopyAsync("key", _issuedKey!);

    private async Task CopyAsync(string what, string text)
    {
        _copied = await JS.InvokeAsync<bool>("undb.copyText", text) ? what : null;
        _keyCopied |= _copied == "key";
        if (_copied is null)
        {
            Snackbar.Add("The browser did not allow copying; select the text and copy it by hand.", Severity.Warning);
        }
    }

    /// <summary>Saves the name, the verification and the mapping in one change; a secret the app generated is shown to hand over.</summary>
    private async Task SaveAsync()
    {
        if (_webhook is null || MissingRequired.Count > 0 || _busy)
        {
            return;
        }
        _busy = true;
        _error = null;
        try
        {
            var name = string.IsNullOrWhiteSpace(_name) || _name.Trim() == _webhook.Name ? null : _name.Trim();
            var saved = await Hooks.ChangeAsync(_webhook.Id, name, CurrentMapping(), null, _verification.ToInput());
            if (saved.VerificationSecret is { } issued)
            {
                await VerificationDialog.ShowIssuedAsync(Dialogs, saved.Webhook, issued);
            }
            Dialog.Close(DialogResult.Ok(saved.Webhook));
        }
        catch (Exception ex) when (ex is BadRequestException or NotFoundException)
        {
            _error = ex.Message;
        }
        finally
        {
            _busy = false;
        }
    }

    /// <summary>Posts the sample to the webhook's URL with the mapping as edited, and shows the answer and the records it wrote as they are now.</summary>
    private async Task SendTestAsync()
    {
        if (_sample is null || _webhook is null)
        {
            return;
        }
        _busy = true;
        try
        {
            var user = AuthState is null ? null : (await AuthState).User.UserId();
            _testAnswer = await TestSender.SendAsync(_webhook.Id, _sample.ToJsonString(), CurrentMapping(), user);
            var written = new List<RecordSnapshot>();
            foreach (var id in _testAnswer.Status < 300 ? _testAnswer.RecordIds.Take(5) : [])
            {
                if (await RecordQueries.GetAsync(_table.Id, id) is { } record)
                {
                    written.Add(record);
                }
            }
            _testRecords = written;
        }
        catch (HttpRequestException ex)
        {
            Snackbar.Add($"The test could not reach this server's own URL: {ex.Message}", Severity.Error);
        }
        catch (Exception ex) when (ex is BadRequestException or NotFoundException)
        {
            Snackbar.Add(ex.Message, Severity.Error);
        }
        finally
        {
            _busy = false;
        }
    }

    public void Dispose()
    {
        _subscription?.Dispose();
        _tableSubscription?.Dispose();
    }
}
