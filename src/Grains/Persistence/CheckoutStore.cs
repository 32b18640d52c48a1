using System.Globalization;
using Doorbuster.Carts;
using Doorbuster.Orders;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Serialization;
using Orleans.Storage;
using StackExchange.Redis;

namespace Doorbuster.Persistence;

/// <summary>
/// Carts and orders in Redis, laid out so that a checkout is one write: a cart and every order placed from it
/// share a hash tag (<see cref="OrderIds.CartTag"/>), and placing an order stores the order and the emptied
/// cart in one script — atomic on one server and on Redis Cluster alike. Each key is a string of a version and
/// the state (Orleans' binary serializer), written with its expiry in one SET; every write checks the version it
/// continues from, so a second activation working from stale memory can never overwrite a newer state.
/// </summary>
/// <remarks>
/// State written before this layout (Orleans' grain storage, one key per grain) is still read: a cart or an
/// order not found under its new key is read from where Orleans' storage keeps it, and its next write moves it.
/// </remarks>
public sealed class CheckoutStore
{
    // Each key is a string "version:state", so that every change of a key is one SET with its expiry: a store
    // that replays a script command by command after a crash (Garnet) keeps the whole change of a key or none.
    private const string VersionOf = """
        local function version_of(value)
          if not value then
            return 0
          end
          return tonumber(string.sub(value, 1, string.find(value, ':', 1, true) - 1))
        end
        """;

    /// <summary>KEYS: the key. ARGV: expected version, state, expiry in seconds.</summary>
    private const string WriteScript = VersionOf + "\n" + """
        local version = version_of(redis.call('GET', KEYS[1]))
        if version ~= tonumber(ARGV[1]) then
          return -1
        end
        redis.call('SET', KEYS[1], (version + 1) .. ':' .. ARGV[2], 'EX', ARGV[3])
        return version + 1
        """;

    /// <summary>KEYS: the key. ARGV: state, expiry in seconds. Answers 1 when stored as version 1, or what the key holds.</summary>
    private const string WriteNewScript = """
        local stored = redis.call('GET', KEYS[1])
        if stored then
          return stored
        end
        redis.call('SET', KEYS[1], '1:' .. ARGV[1], 'EX', ARGV[2])
        return 1
        """;

    /// <summary>
    /// KEYS: cart, order. ARGV: the cart's expected version, cart state, cart expiry, order state, order expiry. The
    /// order is stored first: a store that keeps only the first command of the script after a crash keeps an order
    /// whose cart still has its lines, which the cart adopts when the client's retry finds the order — never an
    /// emptied cart without its order.
    /// </summary>
    private const string PlaceOrderScript = VersionOf + "\n" + """
        local version = version_of(redis.call('GET', KEYS[1]))
        if version ~= tonumber(ARGV[1]) then
          return -1
        end
        if redis.call('EXISTS', KEYS[2]) == 1 then
          return -2
        end
        redis.call('SET', KEYS[2], '1:' .. ARGV[4], 'EX', ARGV[5])
        redis.call('SET', KEYS[1], (version + 1) .. ':' .. ARGV[2], 'EX', ARGV[3])
        return version + 1
        """;


    private readonly IConnectionMultiplexer _redis;
    private readonly ReplicaAcknowledgement _replicas;
    private readonly Serializer _serializer;
    private readonly IGrainStorage _earlierCarts;
    private readonly IGrainStorage _earlierOrders;
    private readonly string _prefix;
    private readonly long _cartSeconds;
    private readonly long _orderSeconds;

    public CheckoutStore(
        IConnectionMultiplexer redis,
        ReplicaAcknowledgement replicas,
        Serializer serializer,
        IServiceProvider services,
        IOptions<ClusterOptions> cluster,
        IOptions<OrdersOptions> orders,
        IOptions<CheckoutOptions> checkout)
    {
        _redis = redis;
        _replicas = replicas;
        _serializer = serializer;
        _earlierCarts = services.GetRequiredKeyedService<IGrainStorage>(StorageNames.Carts);
        _earlierOrders = services.GetRequiredKeyedService<IGrainStorage>(StorageNames.Orders);
        _prefix = $"{cluster.Value.ServiceId}/checkout/";
        _cartSeconds = (long)StorageNames.CartExpiry.TotalSeconds;
        _orderSeconds = (long)OrdersOptions.EntryExpiry(orders.Value, checkout.Value).TotalSeconds;
    }

    /// <summary>
    /// The cart, or <c>null</c> when none is stored. For an id of the first format its new key and the key of
    /// the earlier layout are read together (one round trip's wait); a cart found only in the earlier layout has
    /// version 0. A cart of the current id format was never stored in the earlier layout (<see cref="CartIdLayout"/>).
    /// </summary>
    public async Task<Versioned<CartState>?> ReadCartAsync(string cartId, GrainId grainId)
    {
        var current = ReadAsync<CartState>(CartKey(cartId));
        if (CartIdLayout.IsCurrent(cartId))
        {
            return await current;
        }

        var earlier = ReadEarlierAsync<CartState>(_earlierCarts, grainId);
        await Task.WhenAll(current, earlier);
        return current.Result ?? earlier.Result;
    }

    /// <summary>Stores the cart; answers its new version. Throws <see cref="InconsistentStateException"/> when another activation wrote it.</summary>
    public Task<long> WriteCartAsync(string cartId, long expectedVersion, CartState cart) =>
        WriteAsync(ReplicatedWrites.Carts, CartKey(cartId), expectedVersion, cart, _cartSeconds);

    /// <summary>
    /// Stores <paramref name="cart"/> as a new cart (version 1) unless Redis holds one: a cart's first write without
    /// reading first. Answers <c>null</c> when it was stored, or the cart Redis holds (and then nothing changed).
    /// Only for ids of the current format (<see cref="CartIdLayout"/>): an earlier cart elsewhere would be hidden.
    /// </summary>
    public async Task<Versioned<CartState>?> WriteNewCartAsync(string cartId, CartState cart)
    {
        RedisKey key = CartKey(cartId);
        var result = await _redis.GetDatabase().ScriptEvaluateAsync(WriteNewScript, [key], [_serializer.SerializeToArray(cart), _cartSeconds]);
        if (result.Resp2Type == ResultType.BulkString)
        {
            return Parse<CartState>((byte[])result!);
        }

        await _replicas.ReplicatedAsync(ReplicatedWrites.Carts, key);
        return null;
    }

    /// <summary>
    /// Stores a new order and the cart it was placed from in one atomic write, only if the cart is still at
    /// <paramref name="cartVersion"/> and no order with this id exists.
    /// </summary>
    public async Task<PlaceOrderResult> PlaceOrderAsync(string cartId, long cartVersion, CartState cart, string orderId, OrderState order)
    {
        RedisKey[] keys = [CartKey(cartId), OrderKey(orderId)];
        RedisValue[] values = [cartVersion, _serializer.SerializeToArray(cart), _cartSeconds, _serializer.SerializeToArray(order), _orderSeconds];
        var result = (long)await _redis.GetDatabase().ScriptEvaluateAsync(PlaceOrderScript, keys, values);
        switch (result)
        {
            case -1:
                return new PlaceOrderResult(PlaceOrderOutcome.CartChanged, 0);
            case -2:
                return new PlaceOrderResult(PlaceOrderOutcome.OrderExists, 0);
            default:
                await _replicas.ReplicatedAsync(ReplicatedWrites.Orders, keys[1]);
                return new PlaceOrderResult(PlaceOrderOutcome.Placed, result);
        }
    }

    /// <summary>Whether an order with this id is stored (in the new layout: every order placed since it exists).</summary>
    public Task<bool> OrderExistsAsync(string orderId) =>
        StoreFailures.ReadAsync(() => _redis.GetDatabase().KeyExistsAsync(OrderKey(orderId)), $"Whether order {orderId} exists could not be read");

    /// <summary>The order, or <c>null</c> when none is stored; an order found only in the earlier layout has version 0.</summary>
    public async Task<Versioned<OrderState>?> ReadOrderAsync(string orderId, GrainId grainId) =>
        await ReadAsync<OrderState>(OrderKey(orderId)) ?? await ReadEarlierAsync<OrderState>(_earlierOrders, grainId);

    /// <summary>Stores the order; answers its new version. Throws <see cref="InconsistentStateException"/> when another activation wrote it.</summary>
    public Task<long> WriteOrderAsync(string orderId, long expectedVersion, OrderState order) =>
        WriteAsync(ReplicatedWrites.Orders, OrderKey(orderId), expectedVersion, order, _orderSeconds);

    private async Task<Versioned<T>?> ReadAsync<T>(RedisKey key)
        where T : class
    {
        var stored = (byte[]?)await StoreFailures.ReadAsync(() => _redis.GetDatabase().StringGetAsync(key), $"{key} could not be read");
        return stored is null ? null : Parse<T>(stored);
    }

    /// <summary>A stored value: "version:state".</summary>
    private Versioned<T> Parse<T>(byte[] stored)
    {
        var separator = Array.IndexOf(stored, (byte)':');
        var version = long.Parse(stored.AsSpan(0, separator), NumberStyles.None, CultureInfo.InvariantCulture);
        return new Versioned<T>(_serializer.Deserialize<T>(stored.AsMemory(separator + 1))!, version);
    }

    private static async Task<Versioned<T>?> ReadEarlierAsync<T>(IGrainStorage storage, GrainId grainId)
        where T : class
    {
        var state = new GrainState<T>();
        try
        {
            await storage.ReadStateAsync(grainId.Type.ToString()!, grainId, state);
        }
        catch (Exception exception)
        {
            throw new StoreUnavailableException(mayHaveBeenApplied: false, $"The stored state of {grainId} could not be read; nothing was changed.", exception);
        }

        return state.RecordExists && state.State is { } found ? new Versioned<T>(found, 0) : null;
    }

    private async Task<long> WriteAsync<T>(ReplicatedWrites kind, RedisKey key, long expectedVersion, T state, long expirySeconds)
    {
        var result = (long)await _redis.GetDatabase().ScriptEvaluateAsync(
            WriteScript, [key], [expectedVersion, _serializer.SerializeToArray(state), expirySeconds]);
        if (result < 0)
        {
            throw Conflict(key, expectedVersion);
        }

        await _replicas.ReplicatedAsync(kind, key);
        return result;
    }

    private static InconsistentStateException Conflict(RedisKey key, long expectedVersion) =>
        new($"{key} was written by another activation (this one continued from version {expectedVersion}); nothing was changed.");

    // "{tag}" is the hash tag: a cart and its orders land on one Redis Cluster slot, as the checkout script needs.
    private string CartKey(string cartId) => string.Create(CultureInfo.InvariantCulture, $"{_prefix}{{{OrderIds.CartTag(cartId)}}}/cart/{cartId}");

    private string OrderKey(string orderId) => string.Create(CultureInfo.InvariantCulture, $"{_prefix}{{{OrderIds.TagOf(orderId)}}}/order/{orderId}");
}

/// <summary>A stored state and the version a write must continue from.</summary>
public sealed record Versioned<T>(T State, long Version);

public enum PlaceOrderOutcome
{
    Placed,

    /// <summary>Another activation of the cart wrote it since this one read it; nothing was stored.</summary>
    CartChanged,

    /// <summary>An order with this id exists already (another activation placed it); nothing was stored.</summary>
    OrderExists,
}

/// <summary>The outcome of placing an order, and the cart's new version when it was placed.</summary>
public readonly record struct PlaceOrderResult(PlaceOrderOutcome Outcome, long CartVersion);
