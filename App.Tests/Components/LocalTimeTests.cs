using Bunit;
using Microsoft.AspNetCore.Components;
using Undb.Components.Shared;

namespace Undb.Tests.Components;

public sealed class LocalTimeTests : BunitContext
{
    private static readonly DateTimeOffset At = new(2026, 11, 22, 15, 35, 20, TimeSpan.Zero);

    [Fact]
    public void BeforeTheViewersZoneIsKnown_ATimeIsShownInUtc_AndSaysSo()
    {
        Assert.Equal("22 Nov 2026 15:35:20 UTC", ViewerTime.Unknown.Local(At));
        Assert.Equal("22 Nov 2026 15:35:20 UTC", ViewerTime.Unknown.Both(At));
        Assert.Equal(ViewerTime.Unknown, ViewerTime.For("Not/AZone"));
        Assert.Equal(ViewerTime.Unknown, ViewerTime.For(null));
    }

    [Fact]
    public void InTheViewersZone_WithUtcInTheTooltip()
    {
        var tokyo = ViewerTime.For("Asia/Tokyo");
        Assert.Equal("23 Nov 2026 00:35:20", tokyo.Local(At));
        Assert.Equal("23 Nov 2026 00:35:20 (22 Nov 2026 15:35:20 UTC)", tokyo.Both(At));
        // Daylight saving time is the zone's own: New York is UTC-5 in November, UTC-4 in July.
        Assert.Equal("22 Nov 2026 10:35:20", ViewerTime.For("America/New_York").Local(At));
        Assert.Equal("1 Jul 2026 11:00:00", ViewerTime.For("America/New_York").Local(new DateTimeOffset(2026, 7, 1, 15, 0, 0, TimeSpan.Zero)));
    }

    [Fact]
    public void ADaysStart_IsMidnightWhereTheViewerIs_InUtcWhileTheirZoneIsUnknown()
    {
        var day = new DateTime(2026, 12, 4);
        Assert.Equal(new DateTimeOffset(2026, 12, 4, 0, 0, 0, TimeSpan.Zero), ViewerTime.Unknown.StartOf(day));
        Assert.Equal(new DateTimeOffset(2026, 12, 3, 23, 0, 0, TimeSpan.Zero), ViewerTime.For("Europe/Berlin").StartOf(day).ToUniversalTime());
        Assert.Equal(new DateTimeOffset(2026, 12, 3, 15, 0, 0, TimeSpan.Zero), ViewerTime.For("Asia/Tokyo").StartOf(day).ToUniversalTime());
        // In summer, the zone's summer offset: New York's midnight on 1 July is 04:00 UTC.
        Assert.Equal(new DateTimeOffset(2026, 7, 1, 4, 0, 0, TimeSpan.Zero), ViewerTime.For("America/New_York").StartOf(new DateTime(2026, 7, 1, 15, 30, 0)).ToUniversalTime());
        Assert.True(ViewerTime.Unknown.ShowsUtc);
        Assert.False(ViewerTime.For("Europe/Berlin").ShowsUtc);
    }

    [Fact]
    public void AWallClockTime_IsTheMomentItNamesWhereTheViewerIs_AndBack()
    {
        var tokyo = ViewerTime.For("Asia/Tokyo");
        Assert.Equal(new DateTime(2026, 11, 23, 0, 35, 20), tokyo.WallClock(At));
        Assert.Equal(At, tokyo.At(new DateTime(2026, 11, 23, 0, 35, 20)));
        Assert.Equal(new DateTime(2026, 11, 22, 15, 35, 20), ViewerTime.Unknown.WallClock(At));
        Assert.Equal(At, ViewerTime.Unknown.At(new DateTime(2026, 11, 22, 15, 35, 20)));
        // New York's summer: 11:00 on 1 July is 15:00 UTC.
        Assert.Equal(new DateTimeOffset(2026, 7, 1, 15, 0, 0, TimeSpan.Zero), ViewerTime.For("America/New_York").At(new DateTime(2026, 7, 1, 11, 0, 0)).ToUniversalTime());
    }

    [Fact]
    public void TheComponent_FollowsTheCascadedZone()
    {
        RenderFragment Time(ViewerTime? zone) => b =>
        {
            b.OpenComponent<CascadingValue<ViewerTime>>(0);
            b.AddComponentParameter(1, "Value", zone);
            b.AddComponentParameter(2, "ChildContent", (RenderFragment)(c =>
            {
                c.OpenComponent<LocalTime>(0);
                c.AddComponentParameter(1, nameof(LocalTime.Value), (DateTimeOffset?)At);
                c.AddAttribute(2, "data-testid", "t");
                c.CloseComponent();
            }));
            b.CloseComponent();
        };

        var span = Render(Time(ViewerTime.For("Asia/Tokyo"))).Find("[data-testid=t]");
        Assert.Equal("23 Nov 2026 00:35:20", span.TextContent);
        Assert.Equal("22 Nov 2026 15:35:20 UTC", span.GetAttribute("title"));

        Assert.Equal("never", Render<LocalTime>(p => p.Add(t => t.Value, null).Add(t => t.Empty, "never")).Find("span").TextContent);
    }
}
