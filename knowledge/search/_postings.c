/* Posting-list sums of the FAQ search, in C: the same floating-point operations, in the same order, as the
 * numpy code of knowledge/search (examples.py, bm25.py), which stays the reference and the fallback when
 * this module is not built (knowledge/search/postings.py). Every function reads a question's terms as three
 * sequences (each term's start and end in the flat posting arrays, and the term's scale) and adds each
 * posting's product into an array indexed by the posting's id, term after term, posting after posting:
 * what np.bincount adds, in the order it adds it.
 *
 * Compiled with -ffp-contract=off (setup in pyproject.toml): a product followed by a sum must not become
 * one fused multiply-add, which rounds once where numpy rounds twice. The GIL is held throughout: the
 * scratch arrays of nearest() are shared and left zeroed on return, and each call takes microseconds. */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <string.h>

typedef struct {
    Py_buffer view;
    int held;
} Buf;

static void release(Buf *b) {
    if (b->held) {
        PyBuffer_Release(&b->view);
        b->held = 0;
    }
}

/* A C-contiguous one-dimensional buffer: kind 'd' for float64, 'i' for an 8-byte signed integer, 'u' for
 * bytes (uint8). */
static int take(PyObject *obj, Buf *b, char kind, int writable, const char *name) {
    int flags = PyBUF_FORMAT | PyBUF_C_CONTIGUOUS | (writable ? PyBUF_WRITABLE : 0);
    if (PyObject_GetBuffer(obj, &b->view, flags) < 0)
        return -1;
    b->held = 1;
    const char *f = b->view.format ? b->view.format : "B";
    if (*f == '<' || *f == '=' || *f == '@')
        f++;
    int ok = b->view.ndim == 1 && b->view.itemsize == (kind == 'u' ? 1 : 8) && f[1] == '\0' &&
             (kind == 'd' ? f[0] == 'd' : kind == 'u' ? f[0] == 'B' : (f[0] == 'l' || f[0] == 'q' || f[0] == 'n'));
    if (!ok) {
        PyErr_Format(PyExc_TypeError, "%s: a one-dimensional array of %s expected", name,
                     kind == 'd' ? "float64" : kind == 'u' ? "uint8" : "int64");
        release(b);
        return -1;
    }
    return 0;
}

#define LEN(b) ((b).view.len / (b).view.itemsize)

/* The terms: starts, ends (ints) and scales (floats), three sequences of one length, each slice within
 * ``limit`` postings. */
typedef struct {
    PyObject *starts, *ends, *scales;
    Py_ssize_t n;
} Terms;

static void drop_terms(Terms *t) {
    Py_XDECREF(t->starts);
    Py_XDECREF(t->ends);
    Py_XDECREF(t->scales);
}

static int read_terms(PyObject *starts, PyObject *ends, PyObject *scales, Terms *t) {
    t->starts = PySequence_Fast(starts, "starts: a sequence expected");
    t->ends = t->starts ? PySequence_Fast(ends, "ends: a sequence expected") : NULL;
    t->scales = t->ends ? PySequence_Fast(scales, "scales: a sequence expected") : NULL;
    if (!t->scales)
        return -1;
    t->n = PySequence_Fast_GET_SIZE(t->starts);
    if (PySequence_Fast_GET_SIZE(t->ends) != t->n || PySequence_Fast_GET_SIZE(t->scales) != t->n) {
        PyErr_SetString(PyExc_ValueError, "starts, ends and scales differ in length");
        return -1;
    }
    return 0;
}

/* Term k's slice [*start, *end) and scale; -1 with an exception set when it is not within [0, limit). */
static int term_at(Terms *t, Py_ssize_t k, Py_ssize_t limit, Py_ssize_t *start, Py_ssize_t *end,
                   double *scale) {
    *start = PyLong_AsSsize_t(PySequence_Fast_GET_ITEM(t->starts, k));
    *end = PyLong_AsSsize_t(PySequence_Fast_GET_ITEM(t->ends, k));
    *scale = PyFloat_AsDouble(PySequence_Fast_GET_ITEM(t->scales, k));
    if (PyErr_Occurred())
        return -1;
    if (*start < 0 || *end < *start || *end > limit) {
        PyErr_SetString(PyExc_IndexError, "a term's slice is outside the posting arrays");
        return -1;
    }
    return 0;
}

static int ids_within(const Py_ssize_t *ids, Py_ssize_t start, Py_ssize_t end, Py_ssize_t size) {
    for (Py_ssize_t j = start; j < end; j++)
        if (ids[j] < 0 || ids[j] >= size) {
            PyErr_SetString(PyExc_IndexError, "a posting's id is outside the output array");
            return -1;
        }
    return 0;
}

PyDoc_STRVAR(accumulate_doc,
"accumulate(out, ids, values, starts, ends, scales)\n--\n\n"
"For each term k, for j in range(starts[k], ends[k]): out[ids[j]] += values[j] * scales[k].");

static PyObject *accumulate(PyObject *Py_UNUSED(self), PyObject *args) {
    PyObject *o_out, *o_ids, *o_values, *o_starts, *o_ends, *o_scales;
    if (!PyArg_ParseTuple(args, "OOOOOO", &o_out, &o_ids, &o_values, &o_starts, &o_ends, &o_scales))
        return NULL;
    Buf out = {0}, ids = {0}, values = {0};
    Terms terms = {0};
    PyObject *result = NULL;
    if (take(o_out, &out, 'd', 1, "out") < 0 || take(o_ids, &ids, 'i', 0, "ids") < 0 ||
        take(o_values, &values, 'd', 0, "values") < 0 || read_terms(o_starts, o_ends, o_scales, &terms) < 0)
        goto done;
    if (LEN(ids) != LEN(values)) {
        PyErr_SetString(PyExc_ValueError, "ids and values differ in length");
        goto done;
    }
    double *acc = out.view.buf;
    const Py_ssize_t *id = ids.view.buf;
    const double *value = values.view.buf;
    for (Py_ssize_t k = 0; k < terms.n; k++) {
        Py_ssize_t start, end;
        double scale;
        if (term_at(&terms, k, LEN(ids), &start, &end, &scale) < 0 || ids_within(id, start, end, LEN(out)) < 0)
            goto done;
        for (Py_ssize_t j = start; j < end; j++)
            acc[id[j]] += value[j] * scale;
    }
    result = Py_NewRef(Py_None);
done:
    drop_terms(&terms);
    release(&out);
    release(&ids);
    release(&values);
    return result;
}

PyDoc_STRVAR(bm25_doc,
"bm25(out, docs, tfs, norms, starts, ends, scales, k1_plus_1)\n--\n\n"
"For each term k, for j in range(starts[k], ends[k]):\n"
"out[docs[j]] += scales[k] * tfs[j] * k1_plus_1 / (tfs[j] + norms[j]), left to right.");

static PyObject *bm25(PyObject *Py_UNUSED(self), PyObject *args) {
    PyObject *o_out, *o_docs, *o_tfs, *o_norms, *o_starts, *o_ends, *o_scales;
    double k1p1;
    if (!PyArg_ParseTuple(args, "OOOOOOOd", &o_out, &o_docs, &o_tfs, &o_norms, &o_starts, &o_ends, &o_scales,
                          &k1p1))
        return NULL;
    Buf out = {0}, docs = {0}, tfs = {0}, norms = {0};
    Terms terms = {0};
    PyObject *result = NULL;
    if (take(o_out, &out, 'd', 1, "out") < 0 || take(o_docs, &docs, 'i', 0, "docs") < 0 ||
        take(o_tfs, &tfs, 'd', 0, "tfs") < 0 || take(o_norms, &norms, 'd', 0, "norms") < 0 ||
        read_terms(o_starts, o_ends, o_scales, &terms) < 0)
        goto done;
    if (LEN(docs) != LEN(tfs) || LEN(docs) != LEN(norms)) {
        PyErr_SetString(PyExc_ValueError, "docs, tfs and norms differ in length");
        goto done;
    }
    double *acc = out.view.buf;
    const Py_ssize_t *doc = docs.view.buf;
    const double *tf = tfs.view.buf, *norm = norms.view.buf;
    for (Py_ssize_t k = 0; k < terms.n; k++) {
        Py_ssize_t start, end;
        double idf;
        if (term_at(&terms, k, LEN(docs), &start, &end, &idf) < 0 || ids_within(doc, start, end, LEN(out)) < 0)
            goto done;
        for (Py_ssize_t j = start; j < end; j++)
            acc[doc[j]] += idf * tf[j] * k1p1 / (tf[j] + norm[j]);
    }
    result = Py_NewRef(Py_None);
done:
    drop_terms(&terms);
    release(&out);
    release(&docs);
    release(&tfs);
    release(&norms);
    return result;
}

PyDoc_STRVAR(nearest_doc,
"nearest(ids, weights, starts, ends, scales, norm, group, dots, reached, order, best, second, top)\n--\n\n"
"Each example's dot product (accumulate() into ``dots``), divided by ``norm``; per group of ``group``\n"
"(an example's group), the best quotient above 0.0, the second (the best if two tie) and the example at\n"
"the best reached first (-1: none), written into ``best``, ``second`` and ``top`` (one item per group).\n"
"``dots`` (float64), ``reached`` (uint8: in the first-level cache) and ``order`` (int64), one item per\n"
"example, are scratch: zero on entry, zero again on return. Returns how many examples were reached.");

static PyObject *nearest(PyObject *Py_UNUSED(self), PyObject *args) {
    PyObject *o_ids, *o_weights, *o_starts, *o_ends, *o_scales, *o_group, *o_dots, *o_reached, *o_order,
        *o_best, *o_second, *o_top;
    double norm;
    if (!PyArg_ParseTuple(args, "OOOOOdOOOOOOO", &o_ids, &o_weights, &o_starts, &o_ends, &o_scales, &norm,
                          &o_group, &o_dots, &o_reached, &o_order, &o_best, &o_second, &o_top))
        return NULL;
    Buf ids = {0}, weights = {0}, group = {0}, dots = {0}, reached = {0}, order = {0}, best = {0}, second = {0},
        top = {0};
    Terms terms = {0};
    PyObject *result = NULL;
    if (take(o_ids, &ids, 'i', 0, "ids") < 0 || take(o_weights, &weights, 'd', 0, "weights") < 0 ||
        read_terms(o_starts, o_ends, o_scales, &terms) < 0 || take(o_group, &group, 'i', 0, "group") < 0 ||
        take(o_dots, &dots, 'd', 1, "dots") < 0 || take(o_reached, &reached, 'u', 1, "reached") < 0 ||
        take(o_order, &order, 'i', 1, "order") < 0 || take(o_best, &best, 'd', 1, "best") < 0 ||
        take(o_second, &second, 'd', 1, "second") < 0 || take(o_top, &top, 'i', 1, "top") < 0)
        goto done;
    Py_ssize_t size = LEN(group), groups = LEN(best);
    if (LEN(ids) != LEN(weights) || LEN(dots) != size || LEN(reached) != size || LEN(order) != size ||
        LEN(second) != groups || LEN(top) != groups) {
        PyErr_SetString(PyExc_ValueError, "the arrays' lengths do not match");
        goto done;
    }
    const Py_ssize_t *id = ids.view.buf, *group_of = group.view.buf;
    const double *weight = weights.view.buf;
    double *dot = dots.view.buf, *b = best.view.buf, *s = second.view.buf;
    unsigned char *seen = reached.view.buf;
    Py_ssize_t *first = order.view.buf, *t = top.view.buf;
    for (Py_ssize_t g = 0; g < groups; g++) {
        b[g] = 0.0;
        s[g] = 0.0;
        t[g] = -1;
    }
    /* The dot products, each example's terms added in the order np.bincount adds them; ``first`` lists the
     * examples in the order they are first reached, ``seen`` marks them (without a branch: whether an example
     * is new is a coin toss the processor cannot predict). */
    Py_ssize_t count = 0;
    for (Py_ssize_t k = 0; k < terms.n; k++) {
        Py_ssize_t start, end;
        double scale;
        if (term_at(&terms, k, LEN(ids), &start, &end, &scale) < 0 || ids_within(id, start, end, size) < 0)
            goto reset;
        for (Py_ssize_t j = start; j < end; j++) {
            Py_ssize_t e = id[j];
            if (count < size)  /* once every example is reached, no posting is a new one */
                first[count] = e;
            count += !seen[e];
            seen[e] = 1;
            dot[e] += weight[j] * scale;
        }
    }
    /* The examples reached, in that order: their quotients and groups in two compact arrays (the scratch
     * zeroed as it is read: a second pass over it would be a second round of cache misses), and each group's
     * best, the maximum from 0.0. */
    double *quotient = count ? PyMem_Malloc((size_t)count * sizeof(double)) : NULL;
    Py_ssize_t *group_at = count ? PyMem_Malloc((size_t)count * sizeof(Py_ssize_t)) : NULL;
    unsigned char *tied = count ? PyMem_Calloc((size_t)groups, 1) : NULL;
    if (count && (!quotient || !group_at || !tied)) {
        PyErr_NoMemory();
        goto free_reset;
    }
    for (Py_ssize_t i = 0; i < count; i++) {
        Py_ssize_t e = first[i], g = group_of[e];
        if (g < 0 || g >= groups) {
            PyErr_SetString(PyExc_IndexError, "an example's group is outside the best array");
            goto free_reset;
        }
        double q = dot[e] / norm;
        dot[e] = 0.0;
        seen[e] = 0;
        quotient[i] = q;
        group_at[i] = g;
        b[g] = q > b[g] ? q : b[g];
    }
    /* In the order reached: the first example at its group's best is the top, a second one there a tie; any
     * other quotient may raise the second. */
    for (Py_ssize_t i = 0; i < count; i++) {
        Py_ssize_t g = group_at[i];
        double q = quotient[i];
        if (q == b[g] && q > 0.0) {
            if (t[g] < 0)
                t[g] = first[i];
            else
                tied[g] = 1;
        } else {
            s[g] = q > s[g] ? q : s[g];
        }
    }
    for (Py_ssize_t g = 0; g < groups && tied; g++)
        if (tied[g])
            s[g] = b[g];
    result = PyLong_FromSsize_t(count);
    PyMem_Free(quotient);
    PyMem_Free(group_at);
    PyMem_Free(tied);
    /* ``dots`` and ``reached`` are zero again; ``order`` up to the slot written last. */
    memset(first, 0, (size_t)(count < size ? count + 1 : size) * sizeof(Py_ssize_t));
    goto done;
free_reset:
    PyMem_Free(quotient);
    PyMem_Free(group_at);
    PyMem_Free(tied);
reset:
    for (Py_ssize_t i = 0; i < count; i++) {
        dot[first[i]] = 0.0;
        seen[first[i]] = 0;
        first[i] = 0;
    }
    if (count < size)  /* the slot written last by a posting that reached nobody new */
        first[count] = 0;
done:
    drop_terms(&terms);
    release(&ids);
    release(&weights);
    release(&group);
    release(&dots);
    release(&reached);
    release(&order);
    release(&best);
    release(&second);
    release(&top);
    return result;
}

static PyMethodDef methods[] = {
    {"accumulate", accumulate, METH_VARARGS, accumulate_doc},
    {"bm25", bm25, METH_VARARGS, bm25_doc},
    {"nearest", nearest, METH_VARARGS, nearest_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "knowledge.search._postings",
    "Posting-list sums of the FAQ search, with numpy's arithmetic (see knowledge/search/postings.py).", -1,
    methods, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__postings(void) { return PyModule_Create(&module); }
