using System.Numerics;

namespace Recurrent.Tensors;

/// <summary>
/// Training workspaces reused from one step to the next: the items made for the last two shapes are kept, so an
/// epoch whose last batch is smaller does not make the full-size item be allocated again on the next epoch.
/// </summary>
internal sealed class ShapeCache<TItem> where TItem : class
{
    private TItem? _current, _previous;

    /// <summary>The kept item that <paramref name="fits"/> <paramref name="key"/> (now the current one), or null.</summary>
    public TItem? Find<TKey>(TKey key, Func<TItem, TKey, bool> fits) where TKey : allows ref struct
    {
        if (_current is not null && fits(_current, key)) return _current;
        if (_previous is null || !fits(_previous, key)) return null;
        (_current, _previous) = (_previous, _current);
        return _current;
    }

    /// <summary>Keeps <paramref name="item"/> as the current item (the older of the two kept is dropped) and returns it.</summary>
    public TItem Add(TItem item)
    {
        (_current, _previous) = (item, _current);
        return item;
    }
}

/// <summary>Tensor workspaces from a <see cref="ShapeCache{TItem}"/>.</summary>
internal static class TensorShapeCache
{
    /// <summary>A tensor of <paramref name="shape"/>: a kept one when one fits (contents not cleared), else new zeros.</summary>
    public static Tensor<T> Get<T>(this ShapeCache<Tensor<T>> cache, ReadOnlySpan<int> shape) where T : struct, IFloatingPointIeee754<T> =>
        cache.Find(shape, static (tensor, s) => tensor.HasShape(s)) ?? cache.Add(Tensor<T>.Zeros(shape.ToArray()));
}
