using Bunit;
using MudBlazor.Services;
using Undb.Features.Tables.Components;

namespace Undb.Tests.Features.Tables.Components;

public sealed class ChoicesInputTests : BunitContext, IAsyncLifetime
{
    public ChoicesInputTests()
    {
        JSInterop.Mode = JSRuntimeMode.Loose;
        Services.AddMudServices();
    }

    public Task InitializeAsync() => Task.CompletedTask;

    /// <summary>MudBlazor's services only dispose asynchronously.</summary>
    async Task IAsyncLifetime.DisposeAsync() => await base.DisposeAsync();

    private IRenderedComponent<ChoicesInput> Render(List<string> choices, Action<List<string>> changed) =>
        Render<ChoicesInput>(p => p.Add(c => c.Choices, choices).Add(c => c.ChoicesChanged, changed));

    [Fact]
    public async Task APastedList_BecomesOneChipPerItem_TrimmedAndWithoutRepeats()
    {
        List<string> last = [];
        var cut = Render(["P0"], v => last = v);

        // What the browser hands over for a paste of "P1, P2, P3" (commas or lines) and for Enter after typing.
        await cut.InvokeAsync(() => cut.Instance.Add("P1, P2,P3\n p0 ,"));

        Assert.Equal(["P0", "P1", "P2", "P3"], last);
        Assert.Equal(["P0", "P1", "P2", "P3"], cut.FindAll("[data-choice]").Select(c => c.GetAttribute("data-choice")));
        Assert.Contains("Already listed: p0", cut.Markup);
    }

    [Fact]
    public async Task BackspaceRemovesTheLast_AndAChipsCloseButtonRemovesIt()
    {
        List<string> last = [];
        var cut = Render(["Lead", "Won", "Lost"], v => last = v);

        await cut.InvokeAsync(() => cut.Instance.RemoveLast());
        Assert.Equal(["Lead", "Won"], last);

        cut.Find("[data-choice='Lead'] .mud-chip-close-button").Click();
        Assert.Equal(["Won"], last);
    }
}
