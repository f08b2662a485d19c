"""clustering: symptom detectors, sentence embeddings, clustering, labels, stable ids.

A plain library (no Beam): functions and small classes over batches of plain Python values.
"""

from clustering.cluster import (
    SYMPTOM_GROUPS,
    centroids,
    cluster_reports,
    group_symptoms,
    reduce_features,
    symptom_matrix,
)
from clustering.embed import Embedder, embedding_text
from clustering.labels import cluster_symptoms, label_clusters
from clustering.stable_ids import assign_stable_ids, new_cluster_id
from clustering.symptoms import SYMPTOMS, Symptom, detect_symptoms, symptom_names

__all__ = [
    "SYMPTOMS",
    "SYMPTOM_GROUPS",
    "Embedder",
    "Symptom",
    "assign_stable_ids",
    "centroids",
    "cluster_reports",
    "cluster_symptoms",
    "detect_symptoms",
    "embedding_text",
    "group_symptoms",
    "label_clusters",
    "new_cluster_id",
    "reduce_features",
    "symptom_matrix",
    "symptom_names",
]
