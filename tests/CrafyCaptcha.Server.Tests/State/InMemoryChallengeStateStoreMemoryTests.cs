using CrafyCaptcha.Server.State;
using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;

namespace CrafyCaptcha.Server.Tests.State;

/// <summary>Runs alone (no other test allocating meanwhile), because it measures the process's managed heap.</summary>
[CollectionDefinition(nameof(HeapMeasurement), DisableParallelization = true)]
public sealed class HeapMeasurement;

/// <summary>The in-memory store's memory stays bounded however much is written to it.</summary>
[Collection(nameof(HeapMeasurement))]
public sealed class InMemoryChallengeStateStoreMemoryTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Memory_stays_bounded_under_a_flood_of_flow_records()
    {
        const int Max = 20_000;
        byte[] record = new byte[250]; // about a serialized flow record

        // The heap is the process's: memory another test's leftovers free meanwhile (a fixture's server shutting down
        // after its class) can make one measure wrong, even negative. Up to three measures, each with a new store;
        // a store that really grows fails all three.
        long perEntry = 0, full = 0, flooded = 0;
        InMemoryChallengeStateStore store = null!;
        for (int attempt = 0; attempt < 3; attempt++)
        {
            store = InMemoryChallengeStateStoreTests.Create(new FakeTimeProvider(), Max);
            long before = GC.GetTotalMemory(forceFullCollection: true);
            for (int i = 0; i < Max; i++)
            {
                await store.SetAsync($"flow:{Guid.NewGuid()}", record, TimeSpan.FromMinutes(10));
            }

            full = GC.GetTotalMemory(forceFullCollection: true) - before;
            for (int i = 0; i < 10 * Max; i++)
            {
                await store.SetAsync($"flow:{Guid.NewGuid()}", record, TimeSpan.FromMinutes(10));
            }

            flooded = GC.GetTotalMemory(forceFullCollection: true) - before;
            GC.KeepAlive(store);
            perEntry = full / Max;
            output.WriteLine($"measure {attempt + 1}: {perEntry} bytes per entry (250-byte value, 41-character key); {flooded / Max} after the flood.");
            if (perEntry is >= 250 and <= 1_000 && flooded < full * 1.25)
            {
                break;
            }
        }

        Assert.InRange(perEntry, 250, 1_000); // documented: about 120 B + key + value
        Assert.True(flooded < full * 1.25, $"{Max} entries took {full} bytes, and {flooded} after ten times more writes.");
        Assert.Equal(Max, store.Count);
    }
}
