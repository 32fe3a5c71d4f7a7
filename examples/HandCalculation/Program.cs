// The hand calculation from the RNN material, run through the library:
// SimpleRNN(units=3, activation=None, return_sequences=True) with the weights below on one sequence of three steps.
// h_t = x_t·K + h_{t-1}·R + b, h_0 = 0, so every number can be checked with pencil and paper.
using Recurrent.Layers;
using Recurrent.Tensors;

var kernel = Tensor<float>.FromValues([1, 0, 2, 2, 1, 3], 2, 3);            // K [input 2, units 3]
var recurrentKernel = Tensor<float>.FromValues([1, 2, 1, 1, 0, 1, 0, 1, 0], 3, 3); // R [units 3, units 3]
var bias = Tensor<float>.FromValues([0, 0, 1], 3);
var input = Tensor<float>.FromValues([1, 3, 1, 1, 2, 3], 1, 3, 2);           // x [batch 1, time 3, features 2]

var rnn = new SimpleRnn<float>(units: 3, activation: null, returnSequences: true);
rnn.SetWeights([kernel, recurrentKernel, bias]);
Tensor<float> output = rnn.Forward(input);

Console.WriteLine("SimpleRNN(units=3, activation=None, return_sequences=True)");
Console.WriteLine("h_t = x_t·K + h_(t-1)·R + b");
float[] expected = [7, 3, 12, 13, 27, 16, 48, 45, 54];
bool allMatch = true;
for (int t = 0; t < 3; t++)
{
    string x = $"[{input[0, t, 0]}, {input[0, t, 1]}]";
    string h = $"[{output[0, t, 0]}, {output[0, t, 1]}, {output[0, t, 2]}]";
    bool match = output[0, t, 0] == expected[3 * t] && output[0, t, 1] == expected[3 * t + 1] && output[0, t, 2] == expected[3 * t + 2];
    allMatch &= match;
    Console.WriteLine($"t={t + 1}: x = {x,-8} h = {h,-14} {(match ? "matches the hand calculation" : "DIFFERS from the hand calculation")}");
}
Console.WriteLine(allMatch ? "All three steps match [[7,3,12],[13,27,16],[48,45,54]]." : "Mismatch!");
return allMatch ? 0 : 1;
