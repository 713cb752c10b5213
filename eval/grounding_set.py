"""Build data/eval/grounding.jsonl: true answer sentences and corruptions made from them by rule.

Each seed is one correct sentence, a paraphrase of one fact in one article answer (an answer that
is a single chunk in the index), written the way a good model would answer. Beside it stand the
hints the rules need: which two terms to exchange (`swap`), which number to change (`number`),
which word to negate (`negate`), and which term to replace by a term of another passage
(`foreign`). The rules themselves are mechanical, so a reader can check every corrupted row
against its seed. Every corrupted sentence was read against its passage and is false there.

Splits go by source: a seed and its corruptions share a half. Seeds are ranked by the sha256 of
their id and the first half is dev, so the halves are equal and stable when seeds are appended.

Deliberately not done: paraphrasing or corrupting by model; multi-sentence or multi-passage claims.

Usage: `python eval/grounding_set.py [out.jsonl]` (default `data/eval/grounding.jsonl`).
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "data" / "eval" / "grounding.jsonl"
KINDS = ("correct", "swap", "number", "negation", "foreign")

AUXILIARIES = {"is", "are", "was", "were", "should", "will", "could", "may", "might", "must"}
ANTONYMS = {
    "increases": "decreases",
    "increase": "decrease",
    "reduces": "increases",
    "high": "low",
    "low": "high",
    "small": "large",
    "smaller": "larger",
    "larger": "smaller",
    "faster": "slower",
    "less": "more",
    "fewer": "more",
    "hard": "easy",
    "unsupervised": "supervised",
    "subtracting": "adding",
    "shrink": "enlarge",
    "improve": "hurt",
}


@dataclass(frozen=True)
class Seed:
    """A correct sentence about the answer to `question`, and the hints its corruptions need."""

    id: str
    question: str
    sentence: str
    swap: tuple[str, str] | None = None
    number: tuple[str, str] | None = None
    negate: str | None = None
    foreign: tuple[str, str] | None = None


Q_DL_ML = "Difference: Deep learning vs. Machine learning"
Q_DNN = "What is a deep neural network?"
Q_TRANSFER = "Why use a transfer function in deep learning?"
Q_SIG_TANH = "Sigmoid vs. Tanh activation function"
Q_DYING = "Dying ReLU problem"
Q_LEAKY = "How to combat the dying ReLU problem?"
Q_PRELU = "Difference between parametric ReLU and randomized ReLU activation function"
Q_SOFTMAX = "Why is the softmax function often applied in the output layer of the neural network?"
Q_BATCH = "How to decide batch size in deep learning?"
Q_EPOCH = "Difference between epoch and iteration"
Q_IO_NEURONS = "How to set the number of neurons in the input and output layers?"
Q_HIDDEN_NEURONS = "How to set the number of neurons in the hidden layer?"
Q_HIDDEN_LAYERS = "How do you decide the number of hidden layers?"
Q_DROPOUT = "What is Dropout and how is it useful?"
Q_EARLY = "What is early stopping?"
Q_ICS = "What is internal covariate shift and how can it be avoided?"
Q_AUGMENT = "What is data augmentation?"
Q_NORMALIZE = "What is data normalization?"
Q_ZERO_INIT = "Is it okay to initialize all the weights with zero? If not, why?"
Q_INIT = "What are some good weight initialization methods?"
Q_LOSS_STUCK = "What could be the reason that loss does not decrease during training?"
Q_LOSS_NAN = "What could be the reason that loss leads to nan during training the network?"
Q_TRAIN = "How do we train the deep network?"
Q_GD_ORDER = "What is gradient descent and is gradient descent a first-order method?"
Q_GD_WORK = "How does the gradient descent method work?"
Q_JACOBIAN = "What is the Jacobian Matrix?"
Q_LR = "What happens when the learning rate is small and large?"
Q_GRAD_CHECK_NEED = "What is the need for gradient checking?"
Q_NUM_ANA = "What are numerical and analytical gradients?"
Q_GRAD_CHECK = "Explain gradient checking"
Q_CONVEX = "Difference between convex and nonconvex functions?"
Q_SGD_NEED = "Why do we need stochastic gradient descent (SGD)?"
Q_MINIBATCH = "How does mini-batch gradient descent work?"
Q_GD_SGD_MB = "Difference between gradient descent, stochastic gradient descent, and mini-batch gradient descent"
Q_MOMENTUM = "Why do we need momentum-based gradient descent?"
Q_MOMENTUM_ISSUE = "What is the issue faced in momentum-based gradient descent?"
Q_NESTEROV = "How does Nesterov accelerated momentum work?"
Q_ADAPTIVE_LR = "How can we set the learning rate adaptively?"
Q_NO_LR = "Can we get rid of the learning rate?"
Q_ADAM_RMS = "How does the Adam optimizer differ from RMSProp?"
Q_AMSGRAD = "Why do we need AMSGrad?"
Q_CNN_IMAGES = "Why is CNN most preferred for image data?"
Q_CONV = "Explain the convolution operation"
Q_STRIDE = "What is stride?"
Q_STRIDE_HL = "What happens when the stride value is high and low?"
Q_PADDING = "When do we apply padding?"
Q_SAME_VALID = "What is the difference between same padding and valid padding?"
Q_POOL_NEED = "What is the need for including the pooling layer?"
Q_VGG = "Explain the architecture of the VGG net"
Q_INCEPTION = "How are the inception blocks placed?"
Q_1X1 = "Why is 1x1 convolution useful?"
Q_FACTORIZED = "What is factorized convolution?"
Q_LENET = "Explain the architecture of LeNet"
Q_CNN_DRAWBACK = "What are the drawbacks of CNN?"
Q_RNN_FF = "What is the difference between the recurrent network and feedforward network?"
Q_RNN_USE = "Why is RNN useful?"
Q_RNN_VANISH = "How exactly does the vanishing gradient problem occur in RNN?"
Q_PREVENT_VANISH = "How to prevent the vanishing gradient problem?"
Q_PREVENT_EXPLODE = "How to prevent the exploding gradient problem?"
Q_LSTM = "How does LSTM differ from RNN?"
Q_CELL = "How are cell state and hidden state used in LSTM?"
Q_GRU = "Why do we need gated recurrent units (GRU)?"
Q_BIRNN = "How does bidirectional RNN differ from normal RNN?"
Q_SEQ2SEQ = "How are seq2seq models useful?"
Q_DISC_GEN = "Explain the difference between discriminative and generative models"
Q_IMPLICIT = "Why are GANs called implicit density models?"
Q_GEN_DISC = "What is the role of the generator and discriminator?"
Q_DCGAN_DISC = "Explain the discriminator of DCGAN"
Q_WGAN = "What is the drawback of GAN, and why do we need Wasserstein GAN?"
Q_WDIST = "Explain Wasserstein distance"
Q_CONTROL = "Can we control and modify the images generated by GANs? If yes, how?"
Q_INFOGAN = "When is InfoGAN useful?"
Q_CYCLEGAN = "What are some use cases where CycleGAN is preferred?"
Q_STACKGAN = "How to generate images based on text using GANs?"
Q_AE_PCA = "What is the difference between autoencoders and PCA?"
Q_OVER_UNDER = "What is the difference between overcomplete and undercomplete autoencoders?"
Q_CONV_AE = "Explain the working of encoder and decoder in convolutional autoencoders"
Q_DENOISE = "How are autoencoders used for denoising images?"
Q_SPARSE_AE = "What is the need for sparse autoencoders?"
Q_VAE = "How do variational autoencoders differ from other autoencoders?"
Q_CBOW = "What is the difference between the CBOW and Skip-gram model?"
Q_TENSOR = "What is a tensor?"
Q_DATAFLOW = "What is the data flow graph?"
Q_VAR_PH = "What is the difference between TensorFlow variables and placeholders?"
Q_TENSORBOARD = "What is TensorBoard?"
Q_EAGER = "What is eager execution?"
Q_NO_ACT = "What happens if you do not use any activation functions in a neural network?"
Q_BACKPROP = "What is backpropagation, and why is it important in Deep Learning?"
Q_BACKPROP_GD = "How is backpropagation different from gradient descent?"
Q_CE_PREF = "Why is Cross-Entropy preferred as the cost function for multi-class classification problems?"
Q_BATCH_SIZES = "How to decide batch size in deep learning (considering both too small and too large sizes)?"
Q_BATCH_PERF = (
    "Batch Size vs Model Performance: How does the batch size impact the performance of a deep learning model?"
)
Q_HESSIAN = "What is Hessian, and how can it be used for faster training?"
Q_RMSPROP = "What is RMSProp and how does it work?"
Q_ADAMW = "What is AdamW and why it's preferred over Adam?"
Q_RESIDUAL = "What are residual connections and their function in NN?"
Q_CLIP = "What is gradient clipping and its impact on NN?"
Q_VANISH_WAYS = "Different Ways to Solve Vanishing Gradients"
Q_EXPLODE_WAYS = "Ways to solve Exploding Gradients"
Q_DROPOUT_WORK = "What is Dropout and how does it work?"
Q_DROPOUT_TEST = "What is the impact of Dropout on the training vs testing?"
Q_L1_L2 = "How do L1 vs L2 Regularization impact the Weights in a NN?"
Q_CURSE = "What is the curse of dimensionality in ML or AI?"
Q_OPTIMIZER = "What is the function of an optimizer in Deep Learning?"
Q_SGD_WHY = "What is SGD and why it's used in training neural networks?"
Q_SGD_OSC = "Why does stochastic gradient descent oscillate towards local minima?"
Q_COMP_GRAPH = "What do you understand by a computational graph?"
Q_VANISH_NN = "Describe what Vanishing Gradient Problem is and its impact on Neural Networks (NN)"

SEEDS: tuple[Seed, ...] = (
    Seed(
        "g001",
        Q_DL_ML,
        "Unlike machine learning, where features must be designed by hand, deep learning extracts them "
        "automatically through its hidden layers.",
        swap=("machine learning", "deep learning"),
        negate="extracts",
    ),
    Seed(
        "g002",
        Q_SIG_TANH,
        "Sigmoid squashes its input into the range from 0 to 1, with its centre at 0.5.",
        number=("0.5", "0.2"),
        foreign=("Sigmoid", "ReLU"),
    ),
    Seed(
        "g003",
        Q_SIG_TANH,
        "Tanh maps values into the range from -1 to 1 around a centre of 0, whereas sigmoid outputs lie between "
        "0 and 1.",
        swap=("Tanh", "sigmoid"),
        number=("-1", "-2"),
    ),
    Seed(
        "g004",
        Q_DYING,
        "For a negative input ReLU returns 0, and for an input of zero or more it returns the input unchanged.",
        number=("0", "1"),
        foreign=("ReLU", "softmax"),
    ),
    Seed(
        "g005",
        Q_LEAKY,
        "Leaky ReLU multiplies negative inputs by a small slope alpha, usually 0.01, instead of setting them to zero.",
        number=("0.01", "0.1"),
        negate="multiplies",
        foreign=("Leaky ReLU", "tanh"),
    ),
    Seed(
        "g006",
        Q_PRELU,
        "Parametric ReLU lets the network learn alpha, the slope used for negative values, as a parameter.",
        negate="lets",
    ),
    Seed(
        "g007",
        Q_SOFTMAX,
        "Softmax suits classification because it turns its inputs into a probability for each class.",
        negate="suits",
        foreign=("Softmax", "max pooling"),
    ),
    Seed(
        "g008",
        Q_SOFTMAX,
        "Like the sigmoid, softmax maps its inputs into the range between 0 and 1.",
        number=("1", "10"),
    ),
    Seed(
        "g009",
        Q_BATCH,
        "Batch sizes are usually picked as powers of 2, such as 32, 64 or 128, depending on the memory available.",
        number=("2", "3"),
        negate="are",
        foreign=("Batch sizes", "learning rates"),
    ),
    Seed(
        "g010",
        Q_EPOCH,
        "One iteration means the network has processed a single batch, whereas one epoch means it has seen every "
        "data point once.",
        swap=("iteration", "epoch"),
    ),
    Seed(
        "g011",
        Q_IO_NEURONS,
        "For a regression task the number of output neurons is set to 1.",
        number=("1", "2"),
    ),
    Seed(
        "g012",
        Q_IO_NEURONS,
        "The input layer should have one neuron per input feature, while a classifier's output layer has one "
        "neuron per class.",
        swap=("input feature", "class"),
    ),
    Seed(
        "g013",
        Q_HIDDEN_NEURONS,
        "One rule of thumb sets the hidden neuron count to 2/3 of the input layer size plus the output layer size.",
        swap=("input", "output"),
        number=("2/3", "3/4"),
    ),
    Seed(
        "g014",
        Q_HIDDEN_LAYERS,
        "For simple problems, 2 or fewer hidden layers are usually enough.",
        negate="are",
    ),
    Seed(
        "g015",
        Q_DROPOUT,
        "Dropout randomly ignores some neurons during training, which keeps the network from overfitting.",
        negate="keeps",
        foreign=("Dropout", "gradient clipping"),
    ),
    Seed(
        "g016",
        Q_EARLY,
        "Early stopping halts training once the model's performance on the validation set stops improving.",
        negate="halts",
        foreign=("validation set", "training set"),
    ),
    Seed(
        "g017",
        Q_ICS,
        "Batch normalization avoids internal covariate shift by normalizing the activations of hidden units.",
        negate="avoids",
        foreign=("Batch normalization", "gradient clipping"),
    ),
    Seed(
        "g018",
        Q_AUGMENT,
        "Data augmentation enlarges a small training set artificially, for example by rotating, flipping or "
        "cropping existing images.",
        negate="enlarges",
        foreign=("Data augmentation", "data normalization"),
    ),
    Seed(
        "g019",
        Q_NORMALIZE,
        "Data normalization subtracts the mean and divides by the standard deviation, which helps training converge.",
        swap=("mean", "standard deviation"),
        negate="helps",
    ),
    Seed(
        "g020",
        Q_ZERO_INIT,
        "Initializing every weight to zero makes all neurons learn the same features, since their gradients are "
        "identical.",
        negate="makes",
    ),
    Seed(
        "g021",
        Q_INIT,
        "Random initialization and Xavier initialization are common ways to set the starting weights.",
        negate="are",
        foreign=("Xavier", "Adam"),
    ),
    Seed(
        "g022",
        Q_LOSS_STUCK,
        "Getting stuck in a local minimum is one reason the loss may stop decreasing.",
        negate="is",
    ),
    Seed(
        "g023",
        Q_LOSS_NAN,
        "A learning rate that is too high can make the loss turn into NaN.",
        negate="high",
    ),
    Seed(
        "g024",
        Q_TRAIN,
        "Gradient descent is the optimization method most often used to train deep networks.",
        negate="is",
        foreign=("Gradient descent", "Adagrad"),
    ),
    Seed(
        "g025",
        Q_GD_ORDER,
        "Gradient descent counts as a first-order method because it only uses first derivatives.",
        negate="counts",
    ),
    Seed(
        "g026",
        Q_GD_WORK,
        "Gradient descent updates each weight by subtracting the learning rate times the derivative of the loss.",
        negate="subtracting",
    ),
    Seed(
        "g027",
        Q_JACOBIAN,
        "The Jacobian matrix holds the first-order partial derivatives.",
        negate="holds",
        foreign=("Jacobian", "Hessian"),
    ),
    Seed(
        "g028",
        Q_LR,
        "A small learning rate takes tiny steps and slows convergence, while a large one can overshoot the global "
        "minimum.",
        swap=("small", "large"),
        negate="can",
    ),
    Seed(
        "g029",
        Q_GRAD_CHECK,
        "Gradient checking treats a difference of around 1e-7 between the analytical and numerical gradients as a "
        "sign that the implementation is correct.",
        number=("1e-7", "1e-1"),
        negate="treats",
    ),
    Seed(
        "g030",
        Q_NUM_ANA,
        "Analytical gradients come from backpropagation, while numerical gradients are approximations of them.",
        swap=("analytical", "numerical"),
    ),
    Seed(
        "g031",
        Q_CONVEX,
        "A convex function has a single minimum, whereas a non-convex function has several.",
        swap=("convex", "non-convex"),
    ),
    Seed(
        "g032",
        Q_SGD_NEED,
        "SGD is faster than plain gradient descent on large datasets because it updates the parameters after each "
        "single data point.",
        negate="faster",
    ),
    Seed(
        "g033",
        Q_MINIBATCH,
        "Mini-batch gradient descent updates the parameters after every small batch of data points instead of "
        "after single points or the full dataset.",
        negate="updates",
    ),
    Seed(
        "g034",
        Q_GD_SGD_MB,
        "Stochastic gradient descent updates after every single data point, whereas plain gradient descent waits "
        "for the whole dataset.",
        swap=("stochastic gradient descent", "plain gradient descent"),
    ),
    Seed(
        "g035",
        Q_MOMENTUM,
        "Momentum-based gradient descent reduces the oscillations of SGD and mini-batch updates, which speeds up "
        "convergence.",
        negate="reduces",
    ),
    Seed(
        "g036",
        Q_MOMENTUM_ISSUE,
        "Near convergence, momentum can push the updates too hard and overshoot the minimum.",
        negate="can",
    ),
    Seed(
        "g037",
        Q_NESTEROV,
        "Nesterov accelerated momentum computes the gradient at the lookahead position rather than at the current "
        "position.",
        swap=("lookahead", "current"),
        foreign=("Nesterov accelerated momentum", "AMSGrad"),
    ),
    Seed(
        "g038",
        Q_ADAPTIVE_LR,
        "Adagrad gives a low learning rate when the previous gradient was large and a high one when it was small.",
        swap=("low", "high"),
        foreign=("Adagrad", "Nesterov momentum"),
    ),
    Seed(
        "g039",
        Q_NO_LR,
        "Adadelta removes the need to set a learning rate by hand.",
        negate="removes",
        foreign=("Adadelta", "Adagrad"),
    ),
    Seed(
        "g040",
        Q_ADAM_RMS,
        "Adam tracks both the first moment of the gradients and the second moment of the squared gradients, "
        "whereas RMSProp only uses the squared gradients.",
        swap=("Adam", "RMSProp"),
    ),
    Seed(
        "g041",
        Q_AMSGRAD,
        "AMSGrad avoids Adam's sub-optimal convergence by using an update that takes infrequent gradients into "
        "account.",
        swap=("AMSGrad", "Adam"),
    ),
    Seed(
        "g042",
        Q_AMSGRAD,
        "Because Adam relies on exponential moving averages, it can overlook rare gradients and settle on a "
        "sub-optimal solution.",
        negate="can",
    ),
    Seed(
        "g043",
        Q_CNN_IMAGES,
        "CNNs work well on images because convolution extracts important features and captures their spatial "
        "hierarchy.",
        negate="work",
        foreign=("CNNs", "RNNs"),
    ),
    Seed(
        "g044",
        Q_CONV,
        "The convolution operation slides a filter matrix across the input, multiplies element-wise and sums the "
        "products into one output value.",
        negate="slides",
        foreign=("filter matrix", "Jacobian matrix"),
    ),
    Seed(
        "g045",
        Q_STRIDE,
        "Stride is the number of pixels by which the filter moves across the input at each step.",
        negate="is",
        foreign=("Stride", "padding"),
    ),
    Seed(
        "g046",
        Q_STRIDE_HL,
        "A high stride speeds up computation but may skip important features, whereas a low stride extracts more "
        "detail at a slower pace.",
        swap=("high", "low"),
    ),
    Seed(
        "g047",
        Q_PADDING,
        "Padding adds zeros around the input so that the filter can cover all of it.",
        negate="adds",
        foreign=("Padding", "pooling"),
    ),
    Seed(
        "g048",
        Q_SAME_VALID,
        "Same padding fills the border of the input with zeros, whereas valid padding drops the part of the input "
        "the filter cannot fully cover.",
        swap=("same", "valid"),
    ),
    Seed(
        "g049",
        Q_POOL_NEED,
        "Pooling layers shrink the feature maps produced by convolution, which makes the model more efficient.",
        negate="shrink",
        foreign=("Pooling layers", "residual connections"),
    ),
    Seed(
        "g050",
        Q_VGG,
        "VGG net is built from 3x3 convolutions combined with 2x2 pooling layers.",
        number=("3x3", "5x5"),
    ),
    Seed(
        "g051",
        Q_INCEPTION,
        "The inception network stacks nine inception blocks, one on top of another.",
        number=("nine", "six"),
    ),
    Seed(
        "g052",
        Q_INCEPTION,
        "Each inception block convolves its input with three filter sizes: 1x1, 3x3 and 5x5.",
        number=("5x5", "7x7"),
    ),
    Seed(
        "g053",
        Q_1X1,
        "A 1x1 convolution cuts the number of depth channels, so it is handy for dimensionality reduction.",
        negate="cuts",
    ),
    Seed(
        "g054",
        Q_FACTORIZED,
        "Factorized convolution replaces a large filter such as 5x5 with several smaller ones such as 3x3 to save "
        "computation.",
        number=("5x5", "2x2"),
    ),
    Seed(
        "g055",
        Q_LENET,
        "LeNet stacks three convolutional layers and two pooling layers, followed by one fully connected layer and "
        "one output layer.",
        swap=("convolutional", "pooling"),
        number=("three", "five"),
        foreign=("LeNet", "VGG net"),
    ),
    Seed(
        "g056",
        Q_CNN_DRAWBACK,
        "Because CNNs are translation-invariant, they can miss how features are arranged relative to each other.",
        negate="can",
    ),
    Seed(
        "g057",
        Q_RNN_FF,
        "RNNs base their output on the present input together with the previous hidden state, whereas "
        "feedforward networks look only at the present input.",
        swap=("RNNs", "feedforward networks"),
    ),
    Seed(
        "g058",
        Q_RNN_USE,
        "RNNs store what they have seen in their hidden states, which makes them a good fit for sequence tasks "
        "such as text generation or time series forecasting.",
        negate="store",
        foreign=("RNNs", "CNNs"),
    ),
    Seed(
        "g059",
        Q_RNN_VANISH,
        "In RNNs, repeatedly multiplying by small weights during backpropagation makes the gradients shrink until "
        "they vanish.",
        negate="small",
    ),
    Seed(
        "g060",
        Q_PREVENT_VANISH,
        "Using ReLU instead of tanh or sigmoid helps prevent vanishing gradients.",
        swap=("ReLU", "tanh"),
    ),
    Seed(
        "g061",
        Q_PREVENT_EXPLODE,
        "Gradient clipping guards against exploding gradients by keeping them within a fixed range.",
        negate="guards",
        foreign=("exploding", "vanishing"),
    ),
    Seed(
        "g062",
        Q_LSTM,
        "An LSTM adds three gates, the input, forget and output gates, to control what information is kept or "
        "forgotten.",
        number=("three", "four"),
    ),
    Seed(
        "g063",
        Q_CELL,
        "In an LSTM the cell state holds the long-term memory, while the hidden state is used to compute the "
        "current output.",
        swap=("cell state", "hidden state"),
    ),
    Seed(
        "g064",
        Q_GRU,
        "GRU uses fewer gates than LSTM, which makes it more efficient for some tasks.",
        swap=("GRU", "LSTM"),
        negate="fewer",
    ),
    Seed(
        "g065",
        Q_BIRNN,
        "A bidirectional RNN uses two hidden layers, one reading the input from left to right and the other from "
        "right to left.",
        number=("two", "three"),
    ),
    Seed(
        "g066",
        Q_SEQ2SEQ,
        "Seq2seq models handle many-to-many tasks whose input and output sequences differ in length, such as "
        "machine translation.",
        foreign=("machine translation", "image classification"),
    ),
    Seed(
        "g067",
        Q_DISC_GEN,
        "Discriminative models learn the decision boundary between classes, whereas generative models learn what "
        "each class looks like and can create new data points.",
        swap=("discriminative", "generative"),
    ),
    Seed(
        "g068",
        Q_GEN_DISC,
        "The generator produces new data points that resemble the training data, and the discriminator judges "
        "whether a data point is real or generated.",
        swap=("generator", "discriminator"),
    ),
    Seed(
        "g069",
        Q_DCGAN_DISC,
        "The DCGAN discriminator combines convolutional layers and batch normalization with leaky ReLU activations.",
        foreign=("leaky ReLU", "tanh"),
    ),
    Seed(
        "g070",
        Q_WGAN,
        "Wasserstein GAN replaces the JS divergence with the Wasserstein distance, which makes training more robust.",
        swap=("JS divergence", "Wasserstein distance"),
    ),
    Seed(
        "g071",
        Q_CONTROL,
        "Unlike vanilla GANs, conditional GANs let you control the generated images by conditioning the generator "
        "on labels.",
        swap=("vanilla", "conditional"),
        negate="let",
    ),
    Seed(
        "g072",
        Q_CYCLEGAN,
        "CycleGAN is the choice when paired training samples are hard to obtain.",
        negate="hard",
        foreign=("CycleGAN", "StackGAN"),
    ),
    Seed(
        "g073",
        Q_STACKGAN,
        "StackGAN generates an image from text in two stages, first a rough low-resolution image and then a "
        "refined high-resolution one.",
        swap=("low-resolution", "high-resolution"),
        number=("two", "three"),
    ),
    Seed(
        "g074",
        Q_AE_PCA,
        "PCA relies on a linear transformation for dimensionality reduction, while an autoencoder relies on a "
        "nonlinear one.",
        swap=("linear", "nonlinear"),
    ),
    Seed(
        "g075",
        Q_OVER_UNDER,
        "An overcomplete autoencoder has a latent representation of higher dimension than its input, while an "
        "undercomplete one has a lower-dimensional one.",
        swap=("overcomplete", "undercomplete"),
    ),
    Seed(
        "g076",
        Q_DENOISE,
        "Denoising autoencoders corrupt the input image with noise and learn to recover the clean original.",
        negate="learn",
        foreign=("Denoising autoencoders", "sparse autoencoders"),
    ),
    Seed(
        "g077",
        Q_SPARSE_AE,
        "Sparse autoencoders help prevent overfitting when the hidden layer has many nodes.",
        negate="help",
    ),
    Seed(
        "g078",
        Q_CBOW,
        "CBOW predicts a target word from its surrounding words, while Skip-gram predicts the surrounding words "
        "from a target word.",
        swap=("CBOW", "Skip-gram"),
    ),
    Seed(
        "g079",
        Q_TENSOR,
        "A tensor is a multidimensional array and the central data structure in TensorFlow.",
        negate="is",
        foreign=("tensor", "placeholder"),
    ),
    Seed(
        "g080",
        Q_VAR_PH,
        "In TensorFlow, placeholders receive their values at runtime, while variables store values that go into "
        "the graph.",
        swap=("placeholders", "variables"),
    ),
    Seed(
        "g081",
        Q_TENSORBOARD,
        "TensorBoard is a tool for visualizing the computational graph and plotting metrics during training.",
        negate="is",
        foreign=("TensorBoard", "TensorFlow Serving"),
    ),
    Seed(
        "g082",
        Q_EAGER,
        "Eager execution runs TensorFlow operations immediately, without first building a data flow graph.",
        negate="runs",
        foreign=("Eager execution", "a TensorFlow session"),
    ),
    Seed(
        "g083",
        Q_NO_ACT,
        "Without activation functions a neural network collapses into a linear model.",
        negate="collapses",
    ),
    Seed(
        "g084",
        Q_BACKPROP_GD,
        "Backpropagation computes the gradients of the loss, and gradient descent uses them to update the parameters.",
        swap=("backpropagation", "gradient descent"),
    ),
    Seed(
        "g085",
        Q_BACKPROP,
        "Backpropagation computes gradients by moving from the output layer back to the input layer.",
        swap=("output layer", "input layer"),
    ),
    Seed(
        "g086",
        Q_CE_PREF,
        "Cross-entropy avoids the vanishing gradients that can hamper training with other loss functions.",
        negate="avoids",
    ),
    Seed(
        "g087",
        Q_BATCH_SIZES,
        "A good practice is to start with a small batch size such as 32 or 64 and increase it gradually.",
        number=("32", "1024"),
        negate="increase",
    ),
    Seed(
        "g088",
        Q_BATCH_PERF,
        "Smaller batch sizes act as a regularizer and tend to improve generalization.",
        negate="improve",
    ),
    Seed(
        "g089",
        Q_BATCH_PERF,
        "Larger batches make better use of GPUs, which leads to faster training.",
        negate="faster",
    ),
    Seed(
        "g090",
        Q_RMSPROP,
        "In RMSProp the decay rate is typically set to 0.9.",
        number=("0.9", "0.5"),
        foreign=("RMSProp", "Adagrad"),
    ),
    Seed(
        "g091",
        Q_ADAMW,
        "AdamW is a variant of Adam that builds weight decay directly into the optimization step.",
        negate="builds",
        foreign=("weight decay", "gradient clipping"),
    ),
    Seed(
        "g092",
        Q_RESIDUAL,
        "Residual connections let gradients skip layers, which eases the vanishing gradient problem in deep networks.",
        negate="let",
        foreign=("Residual connections", "pooling layers"),
    ),
    Seed(
        "g093",
        Q_CLIP,
        "Clipping the gradients makes a network less sensitive to the choice of learning rate.",
        negate="less",
    ),
    Seed(
        "g094",
        Q_DROPOUT_WORK,
        "A dropout rate between 0.2 and 0.5 is typically set for each layer during training.",
        number=("0.5", "0.9"),
    ),
    Seed(
        "g095",
        Q_DROPOUT_TEST,
        "At test time dropout is usually switched off, so all neurons stay active.",
        negate="is",
    ),
    Seed(
        "g096",
        Q_L1_L2,
        "L1 regularization can drive weights to exactly zero, whereas L2 regularization only makes them smaller.",
        swap=("L1", "L2"),
        negate="can",
    ),
    Seed(
        "g097",
        Q_CURSE,
        "With more dimensions, the amount of data needed to generalize well increases exponentially.",
        negate="increases",
    ),
    Seed(
        "g098",
        Q_HESSIAN,
        "The Hessian is the square matrix of second-order partial derivatives, and it describes how curved the "
        "loss is.",
        foreign=("Hessian", "Jacobian"),
    ),
    Seed(
        "g099",
        Q_VANISH_WAYS,
        "Batch normalization helps against vanishing gradients by keeping activations in a stable range.",
        foreign=("Batch normalization", "gradient clipping"),
    ),
    Seed(
        "g100",
        Q_EXPLODE_WAYS,
        "Using a smaller learning rate helps avoid exploding gradients by keeping the weight updates small.",
        negate="smaller",
    ),
    Seed(
        "g101",
        Q_WDIST,
        "The Wasserstein distance measures how far apart two distributions are as the least effort needed to turn "
        "one into the other.",
        foreign=("Wasserstein distance", "JS divergence"),
    ),
    Seed(
        "g102",
        Q_VAE,
        "Variational autoencoders are generative models which, much like GANs, learn how the training data is "
        "distributed.",
        negate="are",
        foreign=("Variational autoencoders", "denoising autoencoders"),
    ),
    Seed(
        "g103",
        Q_DATAFLOW,
        "In a TensorFlow data flow graph, nodes stand for operations and edges carry the data as tensors.",
        swap=("nodes", "edges"),
    ),
    Seed(
        "g104",
        Q_TRANSFER,
        "The transfer function, also known as the activation function, adds non-linearity to the network.",
        negate="adds",
    ),
    Seed(
        "g105",
        Q_DNN,
        "A neural network with many hidden layers is called a deep neural network.",
        negate="is",
    ),
    Seed(
        "g106",
        Q_GRAD_CHECK_NEED,
        "Gradient checking is a debugging aid that confirms the gradient descent implementation is correct.",
        foreign=("Gradient checking", "early stopping"),
    ),
    Seed(
        "g107",
        Q_INFOGAN,
        "InfoGAN is the unsupervised variant of the conditional GAN.",
        negate="unsupervised",
    ),
    Seed(
        "g108",
        Q_CONV_AE,
        "In a convolutional autoencoder the encoder compresses the image with convolutional layers, and the "
        "decoder rebuilds it with deconvolutional layers.",
        swap=("encoder", "decoder"),
    ),
    Seed(
        "g109",
        Q_IMPLICIT,
        "GANs count as implicit density models since they learn the data distribution without ever writing it "
        "down explicitly.",
        negate="count",
    ),
    Seed(
        "g110",
        Q_OPTIMIZER,
        "The article's example creates TensorFlow's Adam optimizer with a learning rate of 0.001.",
        number=("0.001", "0.1"),
    ),
    Seed(
        "g111",
        Q_ADAMW,
        "In the PyTorch example, AdamW is built with a weight decay of 0.01.",
        number=("0.01", "0.5"),
    ),
    Seed(
        "g112",
        Q_SGD_WHY,
        "The SGD code sample updates the weights with a learning rate of 0.01.",
        number=("0.01", "0.3"),
    ),
    Seed(
        "g113",
        Q_SGD_OSC,
        "The oscillation demo runs 100 noisy SGD steps with a learning rate of 0.1.",
        number=("100", "10"),
    ),
    Seed(
        "g114",
        Q_CLIP,
        "In the code example, gradients are clipped at a value of 1.0.",
        number=("1.0", "5.0"),
    ),
    Seed(
        "g115",
        Q_COMP_GRAPH,
        "In the computational graph example, the hidden layer has 5 neurons and takes 10 input features.",
        number=("5", "8"),
    ),
    Seed(
        "g116",
        Q_RMSPROP,
        "The RMSProp implementation sets epsilon to 1e-8 by default.",
        number=("1e-8", "1e-2"),
    ),
    Seed(
        "g117",
        Q_DROPOUT_WORK,
        "The Keras example puts a dropout layer with a rate of 0.3 after a dense layer of 64 units.",
        number=("0.3", "0.7"),
    ),
    Seed(
        "g118",
        Q_VANISH_NN,
        "The exploding gradient example clips the values of an SGD optimizer at 1.0.",
        number=("1.0", "10.0"),
        foreign=("SGD", "RMSProp"),
    ),
)


def _find(sentence: str, term: str) -> re.Match[str]:
    """The one whole-word, case-insensitive occurrence of `term` in `sentence`."""
    found = list(re.finditer(rf"(?<![\w.-]){re.escape(term)}(?![\w-]|\.\d)", sentence, re.IGNORECASE))
    if len(found) != 1:
        raise ValueError(f"Expected {term!r} once in {sentence!r}, got {len(found)}")
    return found[0]


def _put(sentence: str, spans: list[tuple[re.Match[str], str]]) -> str:
    """`sentence` with each matched span replaced; a replacement opening the sentence is capitalised."""
    out, end = [], 0
    for match, new in sorted(spans, key=lambda pair: pair[0].start()):
        if match.start() == 0:
            new = new[0].upper() + new[1:]
        out += [sentence[end : match.start()], new]
        end = match.end()
    return "".join([*out, sentence[end:]])


def swap(sentence: str, a: str, b: str) -> str:
    """Exchange two terms: "L1 ... L2" -> "L2 ... L1"."""
    return _put(sentence, [(_find(sentence, a), b), (_find(sentence, b), a)])


def change_number(sentence: str, old: str, new: str) -> str:
    """Replace the one occurrence of the number `old` by `new`."""
    return _put(sentence, [(_find(sentence, old), new)])


def negate(sentence: str, word: str) -> str:
    """Negate the claim at `word`: an antonym, `not` after an auxiliary, or `does not` + the verb's base form.

    >>> negate("Dropout reduces overfitting.", "reduces")
    'Dropout increases overfitting.'
    >>> negate("SGD updates often.", "updates")
    'SGD does not update often.'
    """
    match = _find(sentence, word)
    lower = word.lower()
    if lower in ANTONYMS:
        new = ANTONYMS[lower]
    elif lower == "can":
        new = "cannot"
    elif lower in AUXILIARIES:
        new = f"{lower} not"
    elif lower.endswith("s"):
        new = f"does not {_base_form(lower)}"
    else:
        new = f"do not {lower}"
    return _put(sentence, [(match, new)])


def _base_form(verb: str) -> str:
    """The base form of a third-person verb: 'multiplies' -> 'multiply', 'pushes' -> 'push'."""
    if verb.endswith("ies"):
        return verb[:-3] + "y"
    if verb.endswith(("ches", "shes", "sses", "xes", "zes", "oes")):
        return verb[:-2]
    return verb[:-1]


def replace_term(sentence: str, term: str, foreign: str) -> str:
    """Replace `term` by a term that belongs to another passage of the article."""
    return _put(sentence, [(_find(sentence, term), foreign)])


def corruptions(seed: Seed) -> list[tuple[str, str]]:
    """(kind, sentence) for every corruption the seed's hints ask for, in `KINDS` order."""
    out: list[tuple[str, str]] = []
    if seed.swap:
        out.append(("swap", swap(seed.sentence, *seed.swap)))
    if seed.number:
        out.append(("number", change_number(seed.sentence, *seed.number)))
    if seed.negate:
        out.append(("negation", negate(seed.sentence, seed.negate)))
    if seed.foreign:
        out.append(("foreign", replace_term(seed.sentence, *seed.foreign)))
    return out


def splits(seeds: tuple[Seed, ...] = SEEDS) -> dict[str, str]:
    """Seed id -> "dev" or "test": the half of the ids with the smaller sha256 is dev."""
    ranked = sorted(seeds, key=lambda seed: hashlib.sha256(seed.id.encode()).hexdigest())
    half = (len(ranked) + 1) // 2
    return {seed.id: "dev" if i < half else "test" for i, seed in enumerate(ranked)}


def build(seeds: tuple[Seed, ...] = SEEDS) -> list[dict]:
    """Every row of the set: each seed, then its corruptions, in seed order."""
    split = splits(seeds)
    rows: list[dict] = []
    for seed in seeds:
        variants = [("correct", seed.sentence), *corruptions(seed)]
        for kind, sentence in variants:
            rows.append(
                {
                    "id": seed.id if kind == "correct" else f"{seed.id}-{kind}",
                    "split": split[seed.id],
                    "kind": kind,
                    "sentence": sentence,
                    "passage_question": seed.question,
                    "source": seed.id,
                }
            )
    return rows


def dumps(rows: list[dict]) -> str:
    """The jsonl text of `rows`, one object a line, UTF-8 kept readable."""
    return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    out = Path(args[0]) if args else OUT
    rows = build()
    out.write_text(dumps(rows), encoding="utf-8")
    counts = {kind: sum(row["kind"] == kind for row in rows) for kind in KINDS}
    sys.stdout.write(f"wrote {out}: {len(rows)} rows {counts}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
