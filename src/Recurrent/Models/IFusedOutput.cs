using System.Numerics;
using Recurrent.Kernels.Activations;
using Recurrent.Tensors;

namespace Recurrent.Models;

/// <summary>
/// An output layer whose activation (softmax, sigmoid) a cross-entropy loss can fuse with: the loss is then taken
/// from the pre-activation logits, which is exact and numerically stable (as Keras' TensorFlow backend does).
/// </summary>
public interface IFusedOutput<T> where T : struct, IFloatingPointIeee754<T>
{
    /// <summary>The activation applied last.</summary>
    Activation<T> OutputActivation { get; }

    /// <summary>The pre-activation of the last forward pass, shaped like the output.</summary>
    Tensor<T> PreActivation { get; }

    /// <summary>Backward from dLoss/d(pre-activation), skipping the activation.</summary>
    Tensor<T> BackwardFromPreActivation(Tensor<T> preActivationGradient);
}
