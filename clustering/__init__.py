"""clustering: symptom detectors, sentence embeddings, clustering, labels, stable ids.

A plain library (no Beam): functions and small classes over batches of plain Python values.
"""

from clustering.cluster import (
    SYMPTOM_GROUPS,
    ReportClusterer,
    centroids,
    group_symptoms,
    reduce_features,
    symptom_matrix,
)
from clustering.embed import Embedder, embedding_text
from clustering.labels import (
    TOP_SYMPTOM_SHARE,
    TOP_SYMPTOMS_MAX,
    label_clusters,
    top_symptoms,
    top_symptoms_flat,
)
from clustering.stable_ids import assign_stable_ids, new_cluster_id
from clustering.symptoms import SYMPTOMS, Symptom, detect_symptoms, symptom_names

__all__ = [
    "SYMPTOMS",
    "SYMPTOM_GROUPS",
    "TOP_SYMPTOMS_MAX",
    "TOP_SYMPTOM_SHARE",
    "Embedder",
    "ReportClusterer",
    "Symptom",
    "assign_stable_ids",
    "centroids",
    "detect_symptoms",
    "embedding_text",
    "group_symptoms",
    "label_clusters",
    "new_cluster_id",
    "reduce_features",
    "symptom_matrix",
    "symptom_names",
    "top_symptoms",
    "top_symptoms_flat",
]
