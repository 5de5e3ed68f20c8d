using System.Net.Sockets;
using Undb.Features.Webhooks.Outbound;

namespace Undb.Tests.Features.Webhooks.Outbound;

/// <summary>What a failed attempt's error says (the card, the history, the test result show it).</summary>
public sealed class DeliveryErrorTextTests
{
    [Fact]
    public void ARefusedConnection_IsNamedOnce()
    {
        var refused = new HttpRequestException("Connection refused (127.0.0.1:9)", new SocketException((int)SocketError.ConnectionRefused));
        Assert.Equal("Connection refused (127.0.0.1:9)", DeliverySender.Describe(refused, TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public void AnInnerErrorThatAddsSomething_IsKept()
    {
        var cut = new HttpRequestException("An error occurred while sending the request.", new IOException("The response ended prematurely."));
        Assert.Equal("An error occurred while sending the request. (The response ended prematurely.)", DeliverySender.Describe(cut, TimeSpan.FromSeconds(10)));
    }
}
