export interface Config {
  dbaas?: {
    runtimes?: {
      /** StatefulSets on a Kubernetes cluster (see deploy/kubernetes/ for the RBAC it needs). */
      kubernetes?: {
        /**
         * Several clusters: the first is the default; a flavor picks another with
         * runtimeHints: { kubernetes: { cluster: <name> } }. Each as `cluster` below, plus a name.
         */
        clusters?: Array<{
          name: string;
          kubeconfig?: string;
          context?: string;
          inCluster?: boolean;
          url?: string;
          /** @visibility secret */
          token?: string;
          caFile?: string;
          skipTLSVerify?: boolean;
        }>;
        /** One cluster: { kubeconfig, context? }, { inCluster: true }, or { url, token, caFile? }. */
        cluster?: {
          name?: string;
          kubeconfig?: string;
          context?: string;
          inCluster?: boolean;
          url?: string;
          /** @visibility secret */
          token?: string;
          caFile?: string;
          skipTLSVerify?: boolean;
        };
        /** Namespace per owner: {owner} is the owner's name, {namespace} its catalog namespace. Default: dbaas-{owner}. */
        namespacePattern?: string;
        /** Create missing namespaces (needs the ClusterRole for namespaces). Default: false. */
        createNamespaces?: boolean;
        storageClassName?: string;
        /** Allowed: ClusterIP, NodePort, LoadBalancer. Default: ClusterIP. */
        serviceType?: 'ClusterIP' | 'NodePort' | 'LoadBalancer';
        /** Address clients use (e.g. a node address with NodePort); default: the Service's DNS name. */
        publishAddress?: string;
        /** What deleting an instance does to its PersistentVolumeClaim. Allowed: delete, retain. Default: delete. */
        reclaimPolicy?: 'delete' | 'retain';
        /** How long a pod may take to become ready. Default: 300. */
        startTimeoutSeconds?: number;
      };
    };
  };
}
